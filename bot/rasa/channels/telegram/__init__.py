"""The Telegram input channel: webhook, rendering, delivery and callback buttons."""
