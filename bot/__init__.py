"""Career Coach runtime: settings, channels, web console and the `coach` operator CLI."""
