"""Documents that leave the office: certificates (認定証) and letters, rendered from HTML/CSS
templates (package data under `templates/`, overridable by the office) to PDF."""
