"""Engines and transactions.

SQLite: one file in WAL mode with a busy timeout. Writes run in ``BEGIN IMMEDIATE``
transactions (the write lock is taken up front, so two allocations never both read the
same counter and then fail to upgrade); reads use a separate engine with deferred BEGIN so
they never wait for the write lock. PostgreSQL: READ COMMITTED, counter rows are locked by
``UPDATE … RETURNING`` inside the writing transaction.

Hot paths (registration, sending) use raw driver connections (:class:`RawConn`) and hand their
write to a group committer (many requests, one transaction, one fsync): on PostgreSQL the event
loop's own (:class:`LoopCommitter`, with :class:`GroupCommitter`'s thread for what it cannot
commit at once), on SQLite the per-process thread (:class:`GroupCommitter`).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import queue
import threading
from collections.abc import Callable, Generator, Hashable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from psycopg import pq
from sqlalchemy import Connection, Engine, create_engine, event, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError

from server.models import letters, sequences
from server.pq_pipeline import Pipeline

SQLITE_BUSY_TIMEOUT_S = 30
_SEQ_UPDATE = "UPDATE sequences SET value = value + 1 WHERE name = ? RETURNING value"
_SEQ_CREATE = "INSERT INTO sequences (name, value) VALUES (?, 0) ON CONFLICT DO NOTHING"
GROUP_COMMIT_MAX = 64  # items per group-commit transaction
T = TypeVar("T")
L = TypeVar("L", bound="_OnLoop")
# A request handler written as a generator: it yields reads (:class:`Read`) and write jobs
# (``fn(conn) -> result``, or :class:`Numbered`) for the group committer, and is sent each one's
# result (or thrown its exception); it returns the answer.
WriteSteps = Generator["Callable[[Any], Any] | Numbered | Read", Any, T]


def _sqlite_engine(url: str, *, immediate: bool, synchronous: str, pool_size: int) -> Engine:
    engine = create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
        pool_size=pool_size,
        max_overflow=pool_size,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (pysqlite's is deferred-only)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class _WriteLock:
    """Serializes this server's SQLite writers: a thread lock in the process plus an ``flock`` on
    a file beside the database across the uvicorn workers. A blocked ``flock`` wakes the moment
    the holder releases it, whereas SQLite's own busy handler sleeps and polls (1, 2, 5 … 100 ms),
    which under contention cost far more than the transactions themselves. ``BEGIN IMMEDIATE``
    and the busy timeout stay as the guard against other writers (the ``dabir-server`` CLI)."""

    def __init__(self, path: str) -> None:
        self._thread = threading.Lock()
        self._path = path
        self._fd: int | None = None

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._thread:
            if self._fd is None:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class RawConn:
    """A pooled driver connection with the one method the hot paths use, ``exec_driver_sql``
    (same name and placeholders as SQLAlchemy's, so those functions take either), without
    SQLAlchemy's per-statement execution context. Statements must be written for
    :meth:`Database.sql`.

    :meth:`queue` takes a statement whose result nobody reads (an INSERT, a SAVEPOINT). On
    PostgreSQL it is sent together with the next statement, or at :meth:`flush`, in one
    pipeline (:mod:`server.pq_pipeline`): each statement would cost a round trip to the server.
    Its error surfaces there: the group committer finds whose it was (see
    :meth:`GroupCommitter._run_each`). On SQLite a queued statement runs at once (no round
    trip to save). On PostgreSQL the connection is in autocommit and the group committer's
    ``BEGIN`` and ``COMMIT`` are queued too, so they cost no round trip of their own."""

    __slots__ = ("_cur", "_pending", "_pipe", "_result", "committed", "dialect")

    def __init__(self, dbapi_conn: Any, dialect: Any, pipeline: Pipeline | None = None) -> None:
        self.dialect = dialect
        self._pipe = pipeline
        self._cur = None if pipeline is not None else dbapi_conn.cursor()
        self._result: Any = None  # PostgreSQL: the last statement's result
        self._pending: list[tuple[str, tuple[Any, ...]]] = []
        self.committed = False

    def exec_driver_sql(self, sql: str, params: tuple[Any, ...] = ()) -> RawConn:
        if self._pipe is None:
            self._cur.execute(sql, params)
        else:
            self._send_pending(sql, params)
        return self

    def queue(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        if self._pipe is None:
            self._cur.execute(sql, params)  # nothing to save on SQLite: run it now
        else:
            self._pending.append((sql, params))

    def flush(self) -> None:
        if self._pending:
            self._send_pending(None, ())

    def mark(self) -> int:
        """A place in the queue, for :meth:`unsent_since` and :meth:`drop_since`."""
        return len(self._pending)

    def unsent_since(self, mark: int, sql: str) -> bool:
        """Whether ``sql``, queued after ``mark``, is still waiting (nothing after it was sent)."""
        return any(s == sql for s, _ in self._pending[mark:])

    def drop_since(self, mark: int) -> None:
        """Forget what was queued after ``mark``."""
        del self._pending[mark:]

    def take_pending(self) -> list[tuple[str, tuple[Any, ...]]]:
        """The queued statements, to be sent by the caller (PostgreSQL)."""
        pending, self._pending = self._pending, []
        return pending

    def discard(self) -> None:
        """Forget every queued statement (the transaction is being rolled back)."""
        self._pending = []

    def run_now(self, sql: str) -> None:
        """Run a transaction-control statement now (on PostgreSQL never prepared: not in an
        aborted transaction)."""
        if self._pipe is None:
            self._cur.execute(sql)
        else:
            self._pipe.run([(sql, ())])

    def commit(self) -> None:
        """Commit, the queued statements first (on PostgreSQL in the same round trip)."""
        if self._pipe is None:
            self._cur.execute("COMMIT")
        else:
            self.queue("COMMIT")
            self.flush()
        self.committed = True

    def _send_pending(self, sql: str | None, params: tuple[Any, ...]) -> None:
        statements = self._pending + ([(sql, params)] if sql is not None else [])
        self._pending = []
        self._result = self._pipe.run(statements)  # type: ignore[union-attr]

    def first(self) -> Any:
        return self._cur.fetchone() if self._pipe is None else self._pipe.first(self._result)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cur.fetchall() if self._pipe is None else self._pipe.rows(self._result))


def _pipeline_of(dbapi_conn: Any) -> Pipeline:
    """The connection's :class:`Pipeline`, kept with the pooled connection (dropped with it)."""
    pipeline = dbapi_conn.info.get("dabir_pipeline")
    if pipeline is None:
        pipeline = dbapi_conn.info["dabir_pipeline"] = Pipeline(dbapi_conn.driver_connection)
    return pipeline  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class Numbered:
    """A write job that takes the next number of a gap-free counter: ``fn(conn, number)``.

    ``allocate(conn, key, n)`` takes ``n`` numbers of the counter ``key`` and returns the last;
    the counter's row stays locked until commit. The group committer takes the numbers of a
    whole group with one statement per counter and hands them out in the order of the jobs."""

    key: Hashable
    allocate: Callable[[Any, Hashable, int], int]
    fn: Callable[[Any, int], Any]
    # The statement that takes ``n`` numbers of ``key`` and returns the last (no row if the
    # counter does not exist yet): lets the group commit on the event loop send it in a pipeline.
    statement: Callable[[Hashable, int], tuple[str, tuple[Any, ...]]] | None = None


@dataclass(frozen=True, slots=True)
class Read:
    """A read step of a :data:`WriteSteps` handler: one statement, written for
    :meth:`Database.sql` (``?`` placeholders), run on its own (autocommit on PostgreSQL); the
    handler is sent its rows, a list of tuples."""

    sql: str
    params: tuple[Any, ...] = ()


class _OnLoop:
    """What :class:`ReadBatcher` and :class:`LoopCommitter` share: one event loop, one pooled
    driver connection kept between batches, and one task at a time that works through what is
    waiting, in batches of at most ``batch_max``; what arrives while a batch is out goes in the
    next one."""

    batch_max = 64

    def __init__(self, db: Database, loop: asyncio.AbstractEventLoop) -> None:
        self._db = db
        self.loop = loop
        self._waiting: list[Any] = []
        self._task: asyncio.Task[None] | None = None
        self._kept: dict[int, Any] = {}  # the pooled driver connection, closed by Database.dispose
        db._all_kept.append(self._kept)

    def _add(self, item: Any) -> None:
        self._waiting.append(item)
        if self._task is None:  # what the requests of this loop turn add joins the first batch
            self._task = self.loop.create_task(self._drain())

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[:self.batch_max]
                del self._waiting[:self.batch_max]
                await self._handle(batch)
        finally:
            self._task = None

    async def _handle(self, batch: list[Any]) -> None:
        raise NotImplementedError

    def _connection(self, engine: Engine) -> Any:
        dbapi_conn = self._kept.get(0)
        if dbapi_conn is None:
            dbapi_conn = self._kept[0] = engine.raw_connection()
        return dbapi_conn

    def _drop_connection(self) -> None:
        """The connection is lost: never hand it out again; the next batch gets another."""
        self._kept.pop(0).invalidate()


class ReadBatcher(_OnLoop):
    """The PostgreSQL reads of the requests one event loop serves, sent together.

    A read waits on the loop instead of blocking it (the loop goes on with other requests), and
    the reads that arrive while a batch is out go in the next one: one pipeline, one round trip
    and one wake-up of the PostgreSQL backend for them all. Each read is a statement of its own
    in autocommit (READ COMMITTED: a snapshot of its own); one that fails gets its error, and
    the reads after it in the batch, which PostgreSQL skipped, go in the next batch. A lost
    connection fails the batch's reads (as a blocking read would fail) and is replaced."""

    def read(self, step: Read) -> asyncio.Future[list[tuple[Any, ...]]]:
        fut: asyncio.Future[list[tuple[Any, ...]]] = self.loop.create_future()
        self._add((step, fut))
        return fut

    async def _handle(self, batch: list[tuple[Read, asyncio.Future[list[tuple[Any, ...]]]]]) -> None:
        try:
            await self._run(batch)
        except Exception as exc:  # no read is left waiting, whatever happens
            _fail_all(batch, exc)

    async def _run(self, batch: list[tuple[Read, asyncio.Future[list[tuple[Any, ...]]]]]) -> None:
        pipe = _pipeline_of(self._connection(self._db._raw_reader))
        sql = self._db.sql
        try:
            results = await pipe.results_async([(sql(step.sql), step.params) for step, _ in batch])
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:  # the connection is lost
            self._drop_connection()
            _fail_all(batch, exc)
            return
        except Exception as exc:  # a parameter refused before anything was sent: whose?
            if len(batch) == 1:
                _fail_all(batch, exc)
            else:
                for item in batch:
                    await self._run([item])
            return
        again = []
        for (step, fut), result in zip(batch, results, strict=True):
            if fut.done():  # the request has gone
                continue
            if result.status == pq.ExecStatus.PIPELINE_ABORTED:
                again.append((step, fut))
            elif result.status in (pq.ExecStatus.FATAL_ERROR, pq.ExecStatus.BAD_RESPONSE):
                fut.set_exception(pipe.error_of(result))
            else:
                fut.set_result(pipe.rows(result))
        self._waiting[:0] = again


class LoopCommitter(_OnLoop):
    """PostgreSQL: the group commit of one event loop's numbered write jobs (registrations: a
    :class:`Numbered` job with its :attr:`~Numbered.statement`), on the loop itself. Their
    statements are only queued (none is waited for), so nothing blocks the loop.

    The usual group (every counter exists, no job fails) takes two pipelines awaited on the
    loop: ``BEGIN`` with each counter's ``UPDATE … RETURNING``, then the jobs' queued statements
    with the ``COMMIT``. No thread hand-off (+12–24 % registrations per second against
    :class:`GroupCommitter`'s thread on the two-core bench), and the loop serves other requests
    while PostgreSQL works. Anything else — a counter's first use, a failing job, a lost
    connection — rolls the group back (its counters too: no gap) and hands it to
    :class:`GroupCommitter`'s thread, which runs it job by job (:meth:`GroupCommitter._run_each`),
    where a failure stays its job's own. Results are handed out only after the ``COMMIT``, as
    there."""

    batch_max = GROUP_COMMIT_MAX

    def submit(self, fn: Numbered) -> asyncio.Future[Any]:
        job = _Job(fn, self.loop)
        self._add(job)
        return job.afuture  # type: ignore[return-value]

    async def _handle(self, jobs: list[_Job]) -> None:
        try:
            done = await self._run_at_once(jobs)
        except Exception:  # no connection to be had, say: the thread tries, and answers each job
            done = False
        if not done:
            self._db.committer.run_each_later(jobs)

    async def _run_at_once(self, jobs: list[_Job]) -> bool:
        engine = self._db._raw_writer
        dbapi_conn = self._connection(engine)
        pipe = _pipeline_of(dbapi_conn)
        try:
            outcomes = await self._attempt(jobs, pipe, RawConn(dbapi_conn, engine.dialect, pipe))
        except (psycopg.OperationalError, psycopg.InterfaceError):  # the connection is lost
            self._drop_connection()
            return False
        except Exception:  # a job failed (or refused a parameter): the thread finds whose
            outcomes = None
        if outcomes is None:
            try:
                await pipe.results_async([("ROLLBACK", ())])  # (a warning if nothing was begun)
            except (psycopg.OperationalError, psycopg.InterfaceError):
                self._drop_connection()
            return False
        _settle([(job.afuture, True, out) for job, out in zip(jobs, outcomes, strict=True)])  # type: ignore[misc]
        return True

    @staticmethod
    async def _attempt(jobs: list[_Job], pipe: Pipeline, conn: RawConn) -> list[Any] | None:
        """The group's transaction; its outcomes once committed, None if it must be rolled back."""
        by_key = _numbered_by_key(jobs)  # (every job is numbered and brings its statement)
        takes = [jobs[keyed[0]].fn.statement(key, len(keyed))  # type: ignore[union-attr,misc]
                 for key, keyed in by_key.items()]
        results = await pipe.results_async([("BEGIN", ()), *takes])
        if not _all_ok(results) or any(r.ntuples != 1 for r in results[1:]):  # a counter to create
            return None
        numbers = _numbers(by_key, [int(pipe.first(r)[0]) for r in results[1:]])  # type: ignore[index]
        outcomes = [_call(job, conn, numbers.get(i)) for i, job in enumerate(jobs)]
        results = await pipe.results_async([*conn.take_pending(), ("COMMIT", ())])
        if not _all_ok(results) or results[-1].command_status != b"COMMIT":  # (ROLLBACK: aborted)
            return None
        return outcomes


def _all_ok(results: list[pq.abc.PGresult]) -> bool:
    return all(r.status in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK) for r in results)


def _numbered_by_key(jobs: list[_Job]) -> dict[Hashable, list[int]]:
    """The numbered jobs' places in the group, by counter."""
    by_key: dict[Hashable, list[int]] = {}
    for i, job in enumerate(jobs):
        if isinstance(job.fn, Numbered):
            by_key.setdefault(job.fn.key, []).append(i)
    return by_key


def _numbers(by_key: dict[Hashable, list[int]], lasts: list[int]) -> dict[int, int]:
    """Each numbered job's number: a counter's jobs share its last ``len(jobs)`` numbers, in order."""
    numbers: dict[int, int] = {}
    for keyed, last in zip(by_key.values(), lasts, strict=True):
        numbers.update((i, last - len(keyed) + 1 + n) for n, i in enumerate(keyed))
    return numbers


def _fail_all(batch: list[tuple[Read, asyncio.Future[Any]]], exc: BaseException) -> None:
    for _, fut in batch:
        if not fut.done():
            fut.set_exception(exc)


def _call(job: _Job, conn: RawConn, number: int | None = None) -> Any:
    """Run a job; a numbered one takes its own number if the group did not give it one."""
    fn = job.fn
    if isinstance(fn, Numbered):
        return fn.fn(conn, fn.allocate(conn, fn.key, 1) if number is None else number)
    return fn(conn)


class _Job:
    """A write job from a thread (``future``) or from an event loop (``loop`` + ``afuture``):
    ``fn(conn)``, or a :class:`Numbered` job."""

    __slots__ = ("afuture", "fn", "future", "loop")

    def __init__(self, fn: Callable[[Connection], Any] | Numbered,
                 loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.fn = fn
        self.loop = loop
        self.future: Future[Any] | None = None if loop else Future()
        self.afuture: asyncio.Future[Any] | None = loop.create_future() if loop else None


@dataclass(frozen=True, slots=True)
class _EachGroup:
    """Jobs for the group-commit thread to run job by job (see :meth:`LoopCommitter._run_at_once`)."""

    jobs: list[_Job]


def _settle(outcomes: list[tuple[asyncio.Future[Any], bool, Any]]) -> None:
    """On the event loop: hand a committed group's results to the awaiting requests."""
    for fut, ok, value in outcomes:
        if not fut.done():
            if ok:
                fut.set_result(value)
            else:
                fut.set_exception(value)


class GroupCommitter:
    """Runs short write jobs of many request threads in shared transactions (group commit).

    One thread per process takes every job waiting (up to ``GROUP_COMMIT_MAX``), runs each in
    its own SAVEPOINT inside one write transaction and commits once: one fsync for the group
    instead of one per request. A job that raises is rolled back to its savepoint (its counter
    increments included, so SHAMS stay gap-free) and gets its exception; the others commit.
    Results are handed back only after the COMMIT, so a receipt is never given out for a
    registration that is not durable. If the COMMIT itself fails, every job of the group gets
    the error (nothing of the group was written).
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._queue: queue.SimpleQueue[_Job | _EachGroup | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def submit(self, fn: Callable[[Connection], T]) -> T:
        return self.submit_future(fn).result()

    def submit_future(self, fn: Callable[[Any], Any] | Numbered) -> Future[Any]:
        job = _Job(fn)
        self._put(job)
        return job.future  # type: ignore[return-value]

    def submit_async(self, fn: Callable[[Any], Any] | Numbered) -> asyncio.Future[Any]:
        """From the event loop: the result arrives with one loop wake-up per committed group."""
        job = _Job(fn, asyncio.get_running_loop())
        self._put(job)
        return job.afuture  # type: ignore[return-value]

    def run_each_later(self, jobs: list[_Job]) -> None:
        """Run these jobs on the thread, job by job (:meth:`_run_each`): a group the event loop
        could not commit at once."""
        self._put(_EachGroup(jobs))

    def _put(self, job: _Job | _EachGroup) -> None:
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="dabir-group-commit", daemon=True)
                    self._thread.start()
        self._queue.put(job)

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        self._db.keep_connections()
        while True:
            first = self._queue.get()
            if first is None:
                return
            if isinstance(first, _EachGroup):
                self._run_each(first.jobs)
                continue
            jobs = [first]
            stop = False
            each: _EachGroup | None = None
            while len(jobs) < GROUP_COMMIT_MAX:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stop = True
                    break
                if isinstance(job, _EachGroup):
                    each = job
                    break
                jobs.append(job)
            self._run_group(jobs)
            if each is not None:
                self._run_each(each.jobs)
            if stop:
                return

    def _run_group(self, jobs: list[_Job]) -> None:
        if not self._run_at_once(jobs):
            self._run_each(jobs)

    def _run_at_once(self, jobs: list[_Job]) -> bool:
        """The usual case, in two round trips on PostgreSQL: each counter's numbers for the whole
        group taken with one statement, the jobs run without savepoints, their queued statements
        sent with the ``COMMIT``. If anything fails, all of it is rolled back (the counters too:
        no gap) and False is returned; the group then runs job by job (:meth:`_run_each`), where
        a failure stays its job's own."""
        try:
            with self._db.raw_write() as conn:
                by_key = _numbered_by_key(jobs)
                numbers = _numbers(by_key, [jobs[keyed[0]].fn.allocate(conn, key, len(keyed))  # type: ignore[union-attr]
                                            for key, keyed in by_key.items()])
                results = [_call(job, conn, numbers.get(i)) for i, job in enumerate(jobs)]
                conn.commit()
        except Exception:
            return False
        self._hand_out([(job, True, result) for job, result in zip(jobs, results, strict=True)])
        return True

    def _run_each(self, jobs: list[_Job]) -> None:
        """Run the jobs, each in its own savepoint, and commit them together.

        On PostgreSQL a job's last statements are queued (nothing reads their results) and go
        out with the next job's first statement, the last job's with the ``COMMIT``: a job costs
        one round trip less, the group two (``BEGIN`` is queued too). So an error may surface
        in the job after the one that caused it; the savepoints say whose it was: the newest
        savepoint that still exists (``ROLLBACK TO`` it succeeds) belongs to the job whose
        statement failed, since each job releases its savepoint after its last statement. That
        job gets the error; the jobs after it had nothing executed and run again. On SQLite
        every statement runs at once, so the job at fault is always the one that raised.
        """
        results: dict[int, Any] = {}
        failed: dict[int, BaseException] = {}
        try:
            with self._db.raw_write() as conn:
                unconfirmed: list[int] = []  # jobs whose last statements are still queued
                k = 0
                while True:
                    error: Exception | None = None
                    if k == len(jobs):
                        try:
                            conn.commit()
                            break
                        except Exception as exc:
                            error, suspects = exc, unconfirmed
                    else:
                        savepoint = f"SAVEPOINT job{k}"
                        mark = conn.mark()
                        conn.queue(savepoint)
                        try:
                            results[k] = _call(jobs[k], conn)
                        except Exception as exc:
                            if conn.unsent_since(mark, savepoint):  # nothing of this job was sent
                                conn.drop_since(mark)
                                failed[k] = exc
                            else:
                                error, suspects = exc, [*unconfirmed, k]
                        else:
                            conn.queue(f"RELEASE SAVEPOINT job{k}")
                            if not conn.unsent_since(mark, savepoint):  # what was queued before went through
                                unconfirmed = []
                            if conn.mark():
                                unconfirmed.append(k)
                        k += 1
                    if error is not None:
                        # The job at fault gets the error (if none did, COMMIT failed: raised);
                        # the jobs after it had nothing executed and run again.
                        culprit = self._blame(conn, suspects, error)
                        for later in range(culprit, len(jobs)):
                            results.pop(later, None)
                            failed.pop(later, None)
                        failed[culprit] = error
                        unconfirmed = []
                        k = culprit + 1
        except BaseException as exc:  # COMMIT (or BEGIN) failed: nothing of the group is written
            self._hand_out([(job, False, exc) for job in jobs])
            if not isinstance(exc, Exception):
                raise
            return
        self._hand_out([(jobs[i], True, r) for i, r in results.items()]
                       + [(jobs[i], False, e) for i, e in failed.items()])

    @staticmethod
    def _blame(conn: RawConn, candidates: list[int], exc: Exception) -> int:
        """The job whose statement raised ``exc``, rolled back to its savepoint (see above)."""
        conn.discard()
        for k in reversed(candidates):
            try:
                conn.run_now(f"ROLLBACK TO SAVEPOINT job{k}")
            except Exception:  # no such savepoint: the error came before it
                continue
            conn.run_now(f"RELEASE SAVEPOINT job{k}")
            return k
        raise exc  # none of the jobs': the transaction itself failed

    @staticmethod
    def _hand_out(outcomes: list[tuple[_Job, bool, Any]]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], bool, Any]]] = {}
        for job, ok, value in outcomes:
            if job.loop is not None:
                by_loop.setdefault(job.loop, []).append((job.afuture, ok, value))  # type: ignore[arg-type]
            elif not job.future.done():  # type: ignore[union-attr]
                if ok:
                    job.future.set_result(value)  # type: ignore[union-attr]
                else:
                    job.future.set_exception(value)  # type: ignore[union-attr]
        for loop, items in by_loop.items():
            with contextlib.suppress(RuntimeError):  # that loop has closed: nobody is waiting
                loop.call_soon_threadsafe(_settle, items)


class Database:
    def __init__(self, url: str, *, sqlite_synchronous: str = "FULL", pool_size: int = 20) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self._write_lock: _WriteLock | None = None
        if self.is_sqlite:
            path = url.split("///", 1)[1] if "///" in url else ""
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                self._write_lock = _WriteLock(path + ".writelock")
            self.writer = _sqlite_engine(url, immediate=True, synchronous=sqlite_synchronous, pool_size=pool_size)
            self.reader = _sqlite_engine(url, immediate=False, synchronous=sqlite_synchronous, pool_size=pool_size)
            self._raw_reader = self.reader
            self._raw_writer = self.writer
        else:
            self.writer = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
            self.reader = self.writer
            # Hot-path reads in autocommit: under READ COMMITTED each statement takes its own
            # snapshot in a transaction too, so BEGIN and COMMIT would only add two round trips.
            self._raw_reader = create_engine(url, pool_size=4, max_overflow=pool_size, pool_pre_ping=True,
                                             isolation_level="AUTOCOMMIT")
            # The group committer's: it sends BEGIN and COMMIT itself, queued with its statements.
            self._raw_writer = create_engine(url, pool_size=2, max_overflow=pool_size, pool_pre_ping=True,
                                             isolation_level="AUTOCOMMIT")
        self.committer = GroupCommitter(self)
        self._local = threading.local()
        self._all_kept: list[dict[int, Any]] = []
        # Raw driver connections raise the driver's own exceptions.
        driver = self.writer.dialect.dbapi
        self.integrity_errors: tuple[type[BaseException], ...] = (IntegrityError, driver.IntegrityError)
        # What a group-committed job may retry: a twin won a unique key, or (PostgreSQL) the job
        # was chosen as a deadlock victim / hit a lock timeout.
        self.retryable_errors = (*self.integrity_errors, OperationalError, driver.OperationalError)
        # Hot-path statements go straight to the driver (no SQLAlchemy compilation per call):
        # written with ``?`` placeholders, turned into the driver's style here. Datetimes are
        # converted exactly as SQLAlchemy's DateTime type would (SQLite stores text).
        self._paramstyle_pg = not self.is_sqlite
        dt_type = letters.c.registered_at.type.dialect_impl(self.writer.dialect)
        self._dt_in = dt_type.bind_processor(self.writer.dialect)
        self._dt_out = dt_type.result_processor(self.writer.dialect, None)

    def sql(self, text: str) -> str:
        """A driver-level statement written with ``?`` placeholders, in this driver's style."""
        return text.replace("?", "%s") if self._paramstyle_pg else text

    def csv_agg(self, column: str) -> str:
        """SQL for a column's values joined by commas (one text value for a set of rows)."""
        return f"group_concat({column}, ',')" if self.is_sqlite else f"string_agg({column}, ',')"

    def dt_param(self, value: Any) -> Any:
        return self._dt_in(value) if self._dt_in and value is not None else value

    def dt_value(self, value: Any) -> Any:
        return self._dt_out(value) if self._dt_out and value is not None else value

    def batched_write(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn(conn)`` in a group-commit write transaction (see :class:`GroupCommitter`)."""
        return self.committer.submit(fn)

    async def run_steps_async(self, steps: WriteSteps[T]) -> T:
        """Drive a :data:`WriteSteps` generator on the event loop: the checks run inline (CPU work),
        the event loop awaits the reads (PostgreSQL: batched, :class:`ReadBatcher`; SQLite: run
        at once, a local file) and the group commit (on PostgreSQL a numbered job that brings
        its statement — a registration — is committed on the loop, :class:`LoopCommitter`; any
        other job by :class:`GroupCommitter`'s thread, where a job may wait for its statements
        without holding up the loop)."""
        if getattr(self._local, "kept", None) is None:
            self.keep_connections()  # the event-loop thread: one transaction at a time
        try:
            job = next(steps)
            while True:
                try:
                    if isinstance(job, Read):
                        result = await self._read(job)
                    elif not self.is_sqlite and isinstance(job, Numbered) and job.statement is not None:
                        result = await self._loop_committer().submit(job)
                    else:
                        result = await self.committer.submit_async(job)
                except Exception as exc:
                    job = steps.throw(exc)
                else:
                    job = steps.send(result)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    async def _read(self, step: Read) -> list[tuple[Any, ...]]:
        if self.is_sqlite:
            with self.raw_read() as conn:
                return list(conn.exec_driver_sql(self.sql(step.sql), step.params))
        return await self._batcher().read(step)

    def _loop_committer(self) -> LoopCommitter:
        return self._of_loop("commits", LoopCommitter)

    def _batcher(self) -> ReadBatcher:
        return self._of_loop("reads", ReadBatcher)

    def _of_loop(self, name: str, kind: Callable[[Database, asyncio.AbstractEventLoop], L]) -> L:
        """The running event loop's helper (a thread runs one loop at a time; tests may run several)."""
        loop = asyncio.get_running_loop()
        helper = getattr(self._local, name, None)
        if helper is None or helper.loop is not loop:
            helper = kind(self, loop)
            setattr(self._local, name, helper)
        return helper  # type: ignore[no-any-return]

    @contextmanager
    def write(self) -> Iterator[Connection]:
        if self._write_lock is None:
            with self.writer.begin() as conn:
                yield conn
            return
        with self._write_lock.held(), self.writer.begin() as conn:
            yield conn

    @contextmanager
    def raw_write(self) -> Iterator[RawConn]:
        """A write transaction on a raw pooled driver connection (group commit)."""
        lock = self._write_lock.held() if self._write_lock is not None else contextlib.nullcontext()
        with lock:
            if self.is_sqlite:
                yield from self._raw(self.writer, "BEGIN IMMEDIATE")
            else:  # an autocommit connection: BEGIN goes out with the first statement
                yield from self._raw(self._raw_writer, "BEGIN")

    @contextmanager
    def raw_read(self) -> Iterator[RawConn]:
        """Reads on a raw pooled driver connection, without SQLAlchemy's per-statement overhead:
        one snapshot on SQLite; on PostgreSQL autocommit statements (READ COMMITTED gives each
        statement its own snapshot anyway)."""
        yield from self._raw(self._raw_reader, "BEGIN" if self.is_sqlite else None)

    def keep_connections(self) -> None:
        """Let the calling thread keep its raw connections between transactions (the event-loop
        thread and the group-commit thread: each runs one transaction at a time). Saves the pool
        checkout and, on PostgreSQL, the pre-ping round trip per transaction. A connection that
        fails with a driver-level connection error is invalidated and replaced on next use."""
        self._local.kept = {}
        self._all_kept.append(self._local.kept)

    def _raw(self, engine: Engine, begin: str | None) -> Iterator[RawConn]:
        kept: dict[int, Any] | None = getattr(self._local, "kept", None)
        dbapi_conn = kept.pop(id(engine), None) if kept is not None else None
        if dbapi_conn is None:
            dbapi_conn = engine.raw_connection()
        driver = engine.dialect.dbapi
        keep = kept is not None
        try:
            conn = RawConn(dbapi_conn, engine.dialect, None if self.is_sqlite else _pipeline_of(dbapi_conn))
            if begin:
                conn.queue(begin)  # on PostgreSQL: sent with the first statement
            try:
                yield conn
            except BaseException:
                conn.discard()
                with contextlib.suppress(Exception):
                    if begin:
                        conn.run_now("ROLLBACK")  # (PostgreSQL: a warning if nothing was begun)
                    else:
                        dbapi_conn.rollback()
                raise
            if begin:
                if not conn.committed:
                    conn.commit()
            else:
                conn.flush()
                dbapi_conn.commit()
        except (driver.OperationalError, driver.InterfaceError):
            keep = False
            dbapi_conn.invalidate()  # maybe a dead connection: never hand it out again
            raise
        finally:
            if keep and kept is not None and id(engine) not in kept:
                kept[id(engine)] = dbapi_conn
            else:
                dbapi_conn.close()  # back to the pool

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.reader.begin() as conn:
            yield conn

    def dispose(self) -> None:
        self.committer.stop()
        for kept in self._all_kept:
            while kept:
                with contextlib.suppress(Exception):
                    kept.popitem()[1].close()
        if self._write_lock is not None:
            self._write_lock.close()
        for engine in {self.writer, self.reader, self._raw_reader, self._raw_writer}:
            engine.dispose()

    # -- dialect helpers ---------------------------------------------------------------------
    def insert_ignore(self, table: Any) -> Any:
        """INSERT … ON CONFLICT DO NOTHING for the running dialect."""
        ins = sqlite.insert(table) if self.is_sqlite else postgresql.insert(table)
        return ins.on_conflict_do_nothing()

    def next_value(self, conn: Connection | RawConn, name: str) -> int:
        """Increment and return the named counter; the row stays locked until commit."""
        row = conn.exec_driver_sql(self.sql(_SEQ_UPDATE), (name,)).first()
        if row is None:
            conn.exec_driver_sql(self.sql(_SEQ_CREATE), (name,))
            row = conn.exec_driver_sql(self.sql(_SEQ_UPDATE), (name,)).first()
        return int(row[0])  # type: ignore[index]

    def current_value(self, conn: Connection, name: str) -> int:
        return conn.execute(select(sequences.c.value).where(sequences.c.name == name)).scalar() or 0


def is_transient(exc: BaseException) -> bool:
    """Lock timeouts / serialization failures that a retry can cure."""
    return isinstance(exc, OperationalError)


def ensure_row(conn: Connection, db: Database, table: Any, **values: Any) -> None:
    conn.execute(db.insert_ignore(table).values(**values))


__all__ = ["Database", "ensure_row", "insert", "is_transient"]
