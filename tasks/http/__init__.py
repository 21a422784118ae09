"""HTTP details of the proxy: routing rules, conditional requests, response shapes."""
