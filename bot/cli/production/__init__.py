"""`python -m bot.cli.production` (`make run-production`): the production profile on one machine, supervised.

PostgreSQL and Redis (throw-away local servers unless DATABASE_URL / REDIS_URL are given), several
Rasa servers and action servers behind HAProxy, and the web process. Modules: `layout` (ports and
paths), `procfile` (each process's command, from the Procfile), `postgres`, `redis_server`,
`haproxy` (generated configuration and its statistics), `programs` (the processes of the profile),
`supervisor` (starts them, restarts whatever exits, stops them in order), `launcher` (the command).
"""
