"""Authentication of the ATS's requests: its HS256 JWTs and the claims they carry."""
