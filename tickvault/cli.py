"""`python -m tickvault`: run the local stack, start a generation, read executions.

`run` starts everything on this machine. The other commands talk to a running
stack through its endpoint (or to AWS with `--endpoint-url ''`), the way the
AWS CLI or the Step Functions console would.
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import re
import signal
import sys
import threading
from datetime import UTC, datetime
from urllib.parse import urlsplit

import boto3
from botocore import exceptions as aws_errors
from botocore.config import Config
from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url

from tasks.shared.aws import error_summary
from tickvault import executions
from tickvault.config import ConfigError, load_config
from tickvault.names import GENERATE, SERVE, Names
from tickvault.paths import CONFIG_FILE

ENDPOINT_ENV = "TICKVAULT_ENDPOINT_URL"
DEFAULT_ENDPOINT = "http://127.0.0.1:5000"
_DURATION = re.compile(r"^(\d+)\s*(s|m|h)?$")
MAX_LIST_RESULTS = 1000  # ListExecutions' maxResults accepts 1 to 1000 (0 means its default)

# What the user can put right at the endpoint or in the account, each told in one line. Only these: any other
# exception is a bug and keeps its traceback.
CREDENTIAL_ERRORS = (aws_errors.NoCredentialsError, aws_errors.PartialCredentialsError, aws_errors.ProfileNotFound)
UNREACHABLE_ERRORS = (aws_errors.EndpointConnectionError, ConnectionRefusedError)
SILENT_ERRORS = (aws_errors.ConnectTimeoutError, aws_errors.ReadTimeoutError)  # reached, but no answer in time
AWS_ERRORS = (*UNREACHABLE_ERRORS, *SILENT_ERRORS, *CREDENTIAL_ERRORS, aws_errors.ClientError)
# Every call the CLI makes is a short read: an endpoint that takes a connection and never answers
# (not the emulator, or a stuck one) is reported after this, not waited on for ever.
CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=20, retries={"mode": "standard", "total_max_attempts": 2})


def parse_duration(text: str) -> int:
    """`30s`, `2m`, `1h` or a bare number of seconds."""
    match = _DURATION.match(text.strip())
    if not match or int(match.group(1)) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration such as 30s, 2m or 1h")
    return int(match.group(1)) * {"s": 1, None: 1, "m": 60, "h": 3600}[match.group(2)]


def parse_port(text: str) -> int:
    """A TCP port, 0 to 65535 (0: any free port)."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0 to 65535)")
    return port


def parse_limit(text: str) -> int:
    try:
        limit = int(text)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIST_RESULTS:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number from 1 to {MAX_LIST_RESULTS}")
    return limit


def parse_time(text: str) -> datetime:
    """An ISO 8601 time, in UTC; a time without an offset is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text)
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time") from None
    except OverflowError:  # year 1 or 9999 pushed out of range by its offset
        raise argparse.ArgumentTypeError(f"{text!r} is out of range") from None


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def refusal(scheduled: datetime, now: datetime) -> str | None:
    """Why Seal would refuse this scheduled time (its rules, from timekeys), or None.

    Checked before a doomed run raises the generation alarm; both times are
    printed alike, in UTC with a Z.
    """
    from tasks.shared import timekeys
    from tasks.shared.errors import InvalidInputError

    if scheduled.timestamp() < 0:
        return f"--at {_utc_text(scheduled)} is before 1970"
    try:
        timekeys.refuse_future(scheduled, now)
    except InvalidInputError:
        return (f"--at {_utc_text(scheduled)} is in the future (now {_utc_text(now)}; "
                f"at most {timekeys.MAX_AHEAD_SECONDS} s ahead is allowed for clock skew)")
    return None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tickvault", description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(CONFIG_FILE), help="configuration file (default: %(default)s)")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="start the whole system on this machine")
    run.add_argument("--host", default="127.0.0.1", help="address to bind, IPv4 or IPv6 (default: %(default)s)")
    run.add_argument("--moto-port", type=parse_port, default=os.environ.get("MOTO_PORT", "5000"),
                     help="emulator port (default: $MOTO_PORT or 5000)")
    run.add_argument("--port", type=parse_port, default=8080, help="HTTP endpoint port (default: %(default)s)")
    run.add_argument("--dashboard-port", type=parse_port, default=8081,
                     help="local dashboard port (default: %(default)s)")
    run.add_argument("--every", type=parse_duration, help="generation period for a demonstration, e.g. 30s")
    run.add_argument("--verbose", action="store_true", help="show every task's JSON log line, not only warnings")

    for name, text in (
        ("status", "the newest file and its age, and the alarms"),
        ("generate", "start one generation now and wait for it"),
        ("executions", "list executions of a workflow"),
        ("history", "show one execution state by state"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("--endpoint-url", default=os.environ.get(ENDPOINT_ENV, DEFAULT_ENDPOINT),
                             help=f"emulator endpoint; empty for AWS (default: ${ENDPOINT_ENV} or {DEFAULT_ENDPOINT})")
        if name == "generate":
            command.add_argument("--at", type=parse_time, metavar="TIME",
                                 help="scheduled time, ISO 8601 such as 2026-12-03T15:40:00Z; a time without "
                                      "an offset (Z, +01:00) is taken as UTC (default: now)")
        if name == "executions":
            command.add_argument("workflow", nargs="?", default=GENERATE, choices=(GENERATE, SERVE))
            command.add_argument("--limit", type=parse_limit, default=20,
                                 help=f"how many, 1 to {MAX_LIST_RESULTS} (default: %(default)s)")
        if name == "history":
            command.add_argument("execution", help="execution ARN or name (as `executions` lists it), of either workflow")
    return parser


class _Session(boto3.session.Session):
    """A session whose clients give up on an endpoint that does not answer (CLIENT_CONFIG)."""

    def client(self, *args, **kwargs):
        kwargs.setdefault("config", CLIENT_CONFIG)
        return super().client(*args, **kwargs)


def _session(args, config):
    """A boto3 session for the emulator (any credentials) or for AWS (the usual profile and region)."""
    if args.endpoint_url and boto3.Session().get_credentials() is None:
        # The emulator accepts any credentials; a newcomer should not have to configure some.
        from tickvault.local.emulator import FAKE_CREDENTIALS

        for name, value in FAKE_CREDENTIALS.items():
            os.environ.setdefault(name, value)
    if args.endpoint_url:
        return _Session(region_name=config.region)
    # AWS: the usual profile and region (AWS_PROFILE, AWS_REGION, ~/.aws), else the configured region.
    return _Session(region_name=boto3.Session().region_name or config.region)


def _sfn(args, config):
    return _session(args, config).client("stepfunctions", endpoint_url=args.endpoint_url or None)


def _on_aws(args) -> bool:
    return not args.endpoint_url


def cmd_status(args, config) -> int:
    from tickvault import status

    session, endpoint = _session(args, config), args.endpoint_url or None
    code = 0
    try:
        newest = status.newest_file(session, config, endpoint)
    except status.UnreadablePointer as exc:
        print(f"newest file   unreadable: {exc}")
        newest, code = None, 1
    else:
        if newest is None:
            print("newest file   none yet")
        else:
            stale = " (older than two periods!)" if newest["ageSeconds"] > 2 * config.period_seconds else ""
            print(f"newest file   {newest['key']}  made {newest['time']}  age {newest['ageSeconds']} s{stale}")
    for name, state in status.alarms(session, config, endpoint) or [("(no alarms found)", "")]:
        print(f"alarm         {name:<36} {state}")
    return code


def port_clash(args) -> str | None:
    """Which port is given to two of the three servers, or None; 0 (any free port) may be given to all.

    Each port is free when checked, so without this the second server to bind fails with a bare
    "Address already in use" after the first has started.
    """
    given: dict[int, str] = {}
    flags = {"--moto-port": args.moto_port, "--port": args.port, "--dashboard-port": args.dashboard_port}
    for flag, port in flags.items():
        if port and port in given:
            return f"port {port} is given to both {given[port]} and {flag}"
        given[port] = flag
    return None


def cmd_run(args, config) -> int:
    from tickvault.local import readable_logs
    from tickvault.local.stack import LocalStack

    clash = port_clash(args)
    if clash:
        print(f"tickvault: cannot start: {clash}", file=sys.stderr)
        return 1
    if args.every:
        config = config.with_period(args.every)
    # Task log lines are JSON for CloudWatch; locally only their warnings are shown unless asked.
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "INFO" if args.verbose else "WARNING")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S", stream=sys.stdout)
    for noisy in ("werkzeug", "botocore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    # moto's interpreter logs every error a Catch handles; the tick lines and the tasks' logs say what matters.
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    try:
        stack = LocalStack(config, host=args.host, moto_port=args.moto_port, http_port=args.port,
                           dashboard_port=args.dashboard_port).start()
    except OSError as exc:  # typically a port already taken by another `make run`, or a bad --host
        hint = " (change ports with --moto-port, --port, --dashboard-port)" if exc.errno == errno.EADDRINUSE else ""
        print(f"tickvault: cannot start: {exc.strerror or exc}{hint}", file=sys.stderr)
        return 1
    readable_logs.install()
    resources = stack.resources
    print(f"tickvault local stack (Ctrl-C to stop)\n"
          f"  emulator       {stack.endpoint}  (AWS CLI: aws --endpoint-url {stack.endpoint} ...)\n"
          f"  bucket         s3://{resources.bucket}\n"
          f"  table          {resources.table}\n"
          f"  alarm topic    {resources.alarm_topic_arn}\n"
          f"  workflows      {resources.state_machines[GENERATE]}\n"
          f"                 {resources.state_machines[SERVE]}\n"
          f"  HTTP endpoint  {stack.gateway.url}/latest  (curl -i {stack.gateway.url}/latest)\n"
          f"  dashboard      {stack.dashboard.url}\n"
          f"  schedule       every {config.period_seconds}s, first tick now", flush=True)
    while not stopping.wait(0.5):  # a timed wait lets the signal handlers run promptly
        pass
    print("stopping", flush=True)
    stack.stop()
    return 0


def cmd_generate(args, config) -> int:
    scheduled = args.at or datetime.now(UTC)
    refused = refusal(scheduled, datetime.now(UTC))
    if refused:
        print(f"tickvault: {refused}", file=sys.stderr)
        return 2
    sfn = _sfn(args, config)
    machine = executions.find_state_machine(sfn, Names.of(config).state_machine(GENERATE))
    result = executions.wait(sfn, executions.start_generation(sfn, machine, scheduled))
    print(f"{executions.name_of(result)}  {result['status']}")
    if result.get("output"):
        print(result["output"])
    if result.get("error"):
        print(f"error: {result['error']}")
        for step_error in executions.task_errors(executions.history(sfn, result["executionArn"]))[:1]:
            print(f"  first failed step: {step_error}")
    return 0 if result["status"] == "SUCCEEDED" else 1


def cmd_executions(args, config) -> int:
    if _on_aws(args) and args.workflow == SERVE:
        from tickvault import express_logs

        logs = _session(args, config).client("logs")
        found = express_logs.list_executions(logs, express_logs.log_group(config.project, SERVE), args.limit)
    else:
        sfn = _sfn(args, config)
        machine = executions.find_state_machine(sfn, Names.of(config).state_machine(args.workflow))
        found = executions.list_executions(sfn, machine, args.limit)
    print(f"{'started (UTC)':<20} {'status':<10} {'seconds':>8}  name")
    for e in found:
        seconds = "" if e.duration_seconds is None else f"{e.duration_seconds:.2f}"
        print(f"{e.started.astimezone(UTC):%Y-%m-%d %H:%M:%S} {e.status:<10} {seconds:>8}  {e.name}")
    return 0


def _find_execution(sfn, config, name: str) -> str:
    """The ARN of the execution called `name`, in either workflow."""
    names = Names.of(config)
    for workflow in (GENERATE, SERVE):
        machine = executions.find_state_machine(sfn, names.state_machine(workflow))
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine):
            for found in page["executions"]:
                if executions.name_of(found) == name:
                    return found["executionArn"]
    raise LookupError(f"no execution named {name!r}; `executions` lists them")


def cmd_history(args, config) -> int:
    if _on_aws(args) and ":express:" in args.execution:
        from tickvault import express_logs

        logs = _session(args, config).client("logs")
        print(args.execution)
        for step in express_logs.steps(logs, express_logs.log_group(config.project, SERVE), args.execution):
            seconds = "" if step.seconds is None else f"{step.seconds:.3f}"
            print(f"{step.entered.astimezone(UTC):%H:%M:%S.%f}        {seconds:>8}  {step.state:<18} {step.outcome}")
        return 0
    sfn = _sfn(args, config)
    arn = args.execution if args.execution.startswith("arn:") else _find_execution(sfn, config, args.execution)
    try:
        described = sfn.describe_execution(executionArn=arn)
    except (sfn.exceptions.ExecutionDoesNotExist, sfn.exceptions.InvalidArn):
        raise LookupError(f"no execution {arn}") from None
    print(f"{executions.name_of(described)}  {described['status']}")
    print(f"{'entered (UTC)':<24} {'seconds':>8}  {'state':<18} outcome")
    for step in executions.steps(executions.history(sfn, arn)):
        seconds = "" if step.seconds is None else f"{step.seconds:.3f}"
        print(f"{step.entered.astimezone(UTC):%H:%M:%S.%f}        {seconds:>8}  {step.state:<18} {step.outcome}")
    if described.get("error"):
        print(f"error: {described['error']}")
    return 0


COMMANDS = {"status": cmd_status, "run": cmd_run, "generate": cmd_generate, "executions": cmd_executions, "history": cmd_history}


def endpoint_refusal(endpoint_url: str) -> str | None:
    """Why botocore would refuse this endpoint URL (its own test, which raises a bare ValueError), or None."""
    if not endpoint_url:
        return None
    try:
        parts = urlsplit(endpoint_url)
        usable = (parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
                  and (is_valid_endpoint_url(endpoint_url) or is_valid_ipv6_endpoint_url(endpoint_url)))
    except ValueError:  # urlsplit on "http://[::1" or a port past 65535
        usable = False
    if usable:
        return None
    return (f"invalid endpoint URL {endpoint_url!r} (--endpoint-url or ${ENDPOINT_ENV}): "
            f"give one such as {DEFAULT_ENDPOINT}, or '' for AWS")


def aws_failure(exc: Exception, endpoint_url: str) -> str:
    """One line for one of AWS_ERRORS: what went wrong, and where."""
    if isinstance(exc, SILENT_ERRORS):
        return f"{endpoint_url or 'AWS'} took the connection but did not answer in time: is it the emulator?"
    if isinstance(exc, UNREACHABLE_ERRORS):
        return f"cannot reach {endpoint_url}: is `make run` running?" if endpoint_url else f"cannot reach AWS: {exc}"
    if isinstance(exc, CREDENTIAL_ERRORS):  # the emulator's are made up, so these are AWS's
        return f"no usable AWS credentials: {exc} (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
    return f"{exc.operation_name} at {endpoint_url or 'AWS'} failed: {error_summary(exc)}"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"tickvault: invalid configuration: {exc}", file=sys.stderr)
        return 2
    refused = endpoint_refusal(getattr(args, "endpoint_url", ""))
    if refused:
        print(f"tickvault: {refused}", file=sys.stderr)
        return 1
    try:
        return COMMANDS[args.command](args, config)
    except (KeyError, IndexError):  # LookupErrors too, but from a bug, not "no such execution": keep the trace
        raise
    except LookupError as exc:
        print(f"tickvault: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except AWS_ERRORS as exc:
        if args.command == "run":  # the local stack's own calls to its emulator: a failure there is a bug
            raise
        print(f"tickvault: {aws_failure(exc, args.endpoint_url)}", file=sys.stderr)
        return 1
