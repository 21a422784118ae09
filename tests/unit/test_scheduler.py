import time

from tickvault.local.scheduler import Scheduler


def test_ticks_once_at_start_then_on_period_boundaries():
    fired = []
    scheduler = Scheduler(2, fired.append)
    scheduler.start()
    time.sleep(4.5)
    scheduler.stop()
    assert len(fired) >= 3
    assert all(int(moment.timestamp()) % 2 == 0 for moment in fired[1:])
    assert [int(b.timestamp()) - int(a.timestamp()) for a, b in zip(fired[1:], fired[2:])] == [2] * (len(fired) - 2)


def test_a_failing_tick_does_not_stop_the_schedule():
    calls = []

    def fire(moment):
        calls.append(moment)
        raise RuntimeError("emulator down")

    scheduler = Scheduler(1, fire)
    scheduler.start()
    time.sleep(2.5)
    scheduler.stop()
    assert len(calls) >= 2
