"""E-mail to holders: letters rendered as messages (`rendering`), one port to send them
(`port`) with its SMTP adapter (`smtp`), and the relay that takes the outbox (`relay`)."""
