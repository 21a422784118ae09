"""The tasks' logger: Powertools structured JSON, one object per line."""

from __future__ import annotations

from aws_lambda_powertools import Logger

logger = Logger(service="tickvault")
