"""Every replacement of Rasa or Sanic internals, applied by one call at start-up."""
