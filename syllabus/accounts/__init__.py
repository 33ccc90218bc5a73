"""Users, roles, authentication, sessions, OAuth, profiles and bans."""
