"""The JSON API's routes, one router per resource."""
