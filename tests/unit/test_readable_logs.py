import io
import json

from tickvault.local.readable_logs import ReadableStream, readable


def test_a_record_becomes_one_readable_line_with_its_correlation_id():
    record = {"level": "INFO", "location": "handler:36", "message": "published", "timestamp": "2026-12-03 16:40:01,123+0000",
              "service": "tickvault", "task": "publish", "correlation_id": "tick-1", "object_key": "files/a.txt"}
    assert readable(json.dumps(record)) == "16:40:01  INFO   publish   published  object_key=files/a.txt  [tick-1]"


def test_other_lines_pass_unchanged():
    assert readable("plain text") == "plain text"
    assert readable('{"no": "message"}') == '{"no": "message"}'


def test_the_stream_rewrites_each_line():
    target = io.StringIO()
    ReadableStream(target).write('{"level":"ERROR","message":"task failed","timestamp":"2026-12-03 16:40:01"}\n')
    assert target.getvalue() == "16:40:01  ERROR  -         task failed\n"
