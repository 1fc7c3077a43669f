"""A rebuild's views split over processes, each reading and decoding the log for its own views.

Applying events to the views is the most of a rebuild, and it is Python's work, bound to one
core by the interpreter lock. With the views in two or more groups, each group is built by a
process of its own into its scratch schemas (exactly as a one-process rebuild builds them);
each group reads and decodes the log itself, which costs far less than what it saves. The
parent waits, reports progress as the slowest group's, and then indexes and swaps all groups in
one transaction as before, each group's tail applied from where it stopped.

A group whose view fails reports the failure; the parent raises it as ``RebuildError`` and drops
every scratch schema, so the live tables are untouched.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Callable, Sequence
from typing import Any

import psycopg

from projections.log import LogTable
from projections.positions import Failure
from projections.view import View

Progress = Callable[[int], None]
Built = tuple[Sequence[type[View]], int]
"""A group of views and the log position its scratch tables reached."""


class GroupFailedError(Exception):
    """A group's build failed: the view, the message and the failure (or None)."""

    def __init__(self, view: str, message: str, failure: Failure | None) -> None:
        self.view, self.failure = view, failure
        super().__init__(message)


def split(view_classes: Sequence[type[View]], groups: int) -> list[list[type[View]]]:
    """At most ``groups`` groups of about equal work (``View.cost``), heaviest placed first."""
    found: list[list[type[View]]] = [[] for _ in range(max(1, min(groups, len(view_classes))))]
    loads = [0.0] * len(found)
    for cls in sorted(view_classes, key=lambda c: -c.cost):
        lightest = loads.index(min(loads))
        found[lightest].append(cls)
        loads[lightest] += cls.cost
    # Each group in the caller's order, so that the views still meet events in that order.
    return [[cls for cls in view_classes if cls in group] for group in found]


def build_split(url: str, groups: Sequence[Sequence[type[View]]], log: LogTable, *,
                page_size: int, progress: Progress | None = None) -> tuple[list[Built], int]:
    """Build each group in a process of its own; the position each reached, and the number of
    log entries (the most any group covered)."""
    context = multiprocessing.get_context("spawn")
    news: Any = context.Queue()
    processes = [context.Process(target=_build_group, args=(url, list(group), log, page_size,
                                                            index, news),
                                 name=f"rebuild-{index}", daemon=True)
                 for index, group in enumerate(groups)]
    for process in processes:
        process.start()
    covered = [0] * len(groups)
    reported = 0
    done: dict[int, tuple[int, int]] = {}
    failure: GroupFailedError | None = None
    try:
        while len(done) < len(groups) and failure is None:
            try:
                index, kind, *details = news.get(timeout=1.0)
            except queue.Empty:
                _check_alive(processes, done)
                continue
            if kind == "page":
                covered[index] += details[0]
                if progress is not None and min(covered) > reported:
                    progress(min(covered) - reported)
                    reported = min(covered)
            elif kind == "done":
                done[index] = (details[0], details[1])
            else:
                failure = GroupFailedError(*details)
    finally:
        for process in processes:
            if failure is not None:
                process.terminate()
            process.join()
    if failure is not None:
        raise failure
    built = [(groups[i], done[i][1]) for i in range(len(groups))]
    return built, max(entries for entries, _ in done.values())


def _check_alive(processes: Sequence[Any], done: dict[int, tuple[int, int]]) -> None:
    for index, process in enumerate(processes):
        if index not in done and not process.is_alive():
            raise GroupFailedError(process.name, f"{process.name} ended with exit code "
                                   f"{process.exitcode} before its views were built", None)


def _build_group(url: str, view_classes: list[type[View]], log: LogTable, page_size: int,
                 index: int, news: Any) -> None:
    """In a process of its own: fill the group's scratch tables from the whole log."""
    from projections.rebuild import RebuildError, build, scratch_schema

    views = [cls(scratch_schema(cls.name)) for cls in view_classes]
    try:
        with (psycopg.connect(url, autocommit=True) as conn,
              psycopg.connect(url, autocommit=True) as writes):
            writes.execute("SET synchronous_commit = off")
            entries, position = build(conn, views, log, page_size=page_size, writes=writes,
                                      progress=lambda count: news.put((index, "page", count)))
    except RebuildError as error:
        news.put((index, "failed", error.view, str(error), error.failure))
        return
    except Exception as error:
        news.put((index, "failed", views[0].name, f"{type(error).__name__}: {error}", None))
        return
    news.put((index, "done", entries, position))
