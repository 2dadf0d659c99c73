"""The open-file limit the local server needs: one descriptor per connection, plus a reserve.

Each open connection holds a descriptor. Many systems start processes with a soft
RLIMIT_NOFILE of 1,024 while allowing far more (the hard limit): ``connection_cap`` raises the
soft limit towards what SERVER_CONNECTIONS needs, up to the hard limit, and lowers the cap to
what the limit allows when even the hard limit is short.
"""

from __future__ import annotations

try:
    import resource
except ImportError:  # pragma: no cover - not on Unix
    resource = None  # type: ignore[assignment]

# model files, log handlers, worker threads' fetches, the trigger pipe
RESERVE = 256


def connection_cap(wanted: int) -> tuple[int, tuple[int, int]]:
    """(connections the server may hold, (soft limit before, soft limit now))."""
    if resource is None:  # pragma: no cover - not on Unix
        return wanted, (0, 0)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    before = soft
    need = wanted + RESERVE
    if soft != resource.RLIM_INFINITY and soft < need:
        target = need if hard == resource.RLIM_INFINITY else min(hard, need)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):  # macOS refuses more than OPEN_MAX
            pass
    if soft == resource.RLIM_INFINITY:
        return wanted, (before, soft)
    return max(1, min(wanted, soft - RESERVE)), (before, soft)


def limit_notes(wanted: int, cap: int, limits: tuple[int, int]) -> list[str]:
    """What ``connection_cap`` changed, in words for the start-up output."""
    before, now = limits
    notes = [f"raised the open-file soft limit from {before} to {now} for "
             f"SERVER_CONNECTIONS={wanted}"] if now != before else []
    if cap < wanted:
        notes.append(f"at most {cap} connections: the open-file limit is {now} "
                     f"(raise the hard limit, ulimit -Hn, for SERVER_CONNECTIONS={wanted})")
    return notes
