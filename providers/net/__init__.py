"""Infrastructure shared by every catalog: HTTP, rate limiting, JSON streaming, the response cache, redaction, S3/SigV4."""
