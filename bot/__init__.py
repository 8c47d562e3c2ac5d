"""Career Coach, grouped by the process that runs it: rasa/ (Rasa server), web/ (Flask), cli/, shared/."""
