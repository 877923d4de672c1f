"""The HTTP toolkit every platform plugin uses: client, rate limits, retries, tokens, redaction."""
