"""The per-address rate limit: who is counted (client_key), in which window
(window), and what the caller is told (headers). The count itself is one
conditional DynamoDB UpdateItem in workflows/serve.asl.json (CheckRate)."""
