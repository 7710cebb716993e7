"""Who may do what, and how PostgreSQL enforces it.

- `data.access.matrix` — the role matrix (capabilities per group, the table privileges they need, the
  concierge's row scopes): the one source for the app's screens, the database grants and docs/access.md.
- `data.access.identity` — who is signed in (`SignedIn`, read from the database login) and the one-line
  refusals ("you are signed in as k01, a concierge: billing is for admins").
- `data.access.grants` — PostgreSQL: group role names, GRANTs and row-level security policies derived
  from the matrix (`sync`), used by the migrations.
- `data.access.users` — `concierge user add|list|password|disable|enable` on PostgreSQL.
- `data.access.sessions` — a session the database ended (login disabled) as one sentence, not a traceback.

SQLite has no logins: whoever can open the file can do everything, and the role chosen in the app
(`--as`, the picker) is a convenience, not a wall.
"""
