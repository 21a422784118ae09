"""Numbers and names of the AWS deployment, each written once, with its unit.

The mission's numbers (limit, window, period) are not here: they come from
tickvault.json through `tickvault.config.load_config`.
"""

from __future__ import annotations

# Context keys (cdk.json or `-c key=value`).
BUNDLE_CONTEXT = "tickvault:bundleDependencies"  # "false": asset holds tasks/ and schemas/ only (unit tests)
CONFIG_CONTEXT = "tickvault:config"  # path of the configuration file; default tickvault.json

# Lambda functions.
PYTHON_RUNTIME = "python3.13"
PYTHON_VERSION = "3.13"  # what the bundled wheels are chosen for
PIP_PLATFORMS = ("manylinux2014_aarch64",)  # arm64 functions
TASK_MEMORY_MB = 256  # MB
TASK_TIMEOUT_SECONDS = 20  # seconds; each generate Task state allows 30 (workflows/generate.asl.json)

# Rendered on the API's access log; Contributor Insights counts refusals by source IP.
REFUSED_STATUS = 429

# HTTP API.
API_THROTTLE_RATE = 50  # requests per second, stage-wide backstop; the per-IP limit is the workflow's
API_THROTTLE_BURST = 100  # requests
API_TIMEOUT_SECONDS = 29  # seconds; the integration timeout, the most CDK allows under the HTTP API's hard 30 s

# Scheduler: a tick is retried while younger than one period (the next tick supersedes it).
SCHEDULE_RETRY_ATTEMPTS = 5

# Step Functions reuses a data key from the customer-managed key for this long.
SFN_DATA_KEY_REUSE_SECONDS = 300  # seconds (minimum 60, maximum 900)

# Alarms and dashboard.
ALARM_PERIOD_SECONDS = 300  # seconds: "any RateLimited in a 5-minute period"
DASHBOARD_TOP_CONTRIBUTORS = 10  # source IPs shown on the refusals widget

# Serving path. The timeouts nest, so a slow dependency ends in a clean 503/504 from
# the proxy: serve workflow (TimeoutSeconds in workflows/serve.asl.json, 5 s)
# < the proxy's StartSyncExecution connect + read timeouts (tasks/proxy.py, 2 s + 8 s)
# < PROXY_TIMEOUT_SECONDS < API_TIMEOUT_SECONDS.
PROXY_TIMEOUT_SECONDS = 15  # seconds
PROXY_MEMORY_MB = 256  # MB
DECRYPT_TIMEOUT_SECONDS = 3  # seconds; no longer than the Decrypt state's TimeoutSeconds, so no run outlives it
DECRYPT_MEMORY_MB = 256  # MB
LATEST_PATH = "/latest"  # the one resource; the proxy answers 404/405 for the rest ($default route)
