"""The benchmark suite: AWS calls and cost per request, latency, throughput,
exactness of the limit, generation and cold-start proxies (`make bench`)."""
