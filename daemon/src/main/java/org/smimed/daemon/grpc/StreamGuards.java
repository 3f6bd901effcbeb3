package org.smimed.daemon.grpc;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.smimed.daemon.config.DaemonConfig;
import org.smimed.daemon.policy.InFlightBytes;
import org.smimed.daemon.policy.LimitExceededException;
import org.smimed.daemon.threads.DaemonThreads;

/**
 * What bounds a client-streamed request: the bytes it may hold (per caller and in total), the
 * longest pause between two messages and the longest time the whole stream may take.
 *
 * Also the threads that consume streamed requests: a streaming Decrypt blocks its worker while it
 * waits for input or for the client to take output, which must not happen on gRPC's own threads.
 *
 * <p>Guarantee: one timer thread serves every stream; a stream's timers are cancelled when it
 * ends, so a finished stream leaves nothing scheduled. A worker is created per concurrent stream,
 * at most limits.maxStreams at once (a stream beyond is refused, not queued: its client would
 * wait with no answer and no error), and all are stopped on {@link #close()}.
 */
public final class StreamGuards implements AutoCloseable {
    private final InFlightBytes bytes;
    private final Duration idle;
    private final Duration total;
    private final ScheduledExecutorService timer;
    private final int maxStreams;
    private final Semaphore streams;
    private final ExecutorService workers = Executors.newCachedThreadPool(
            new DaemonThreads("smimed-stream-worker"));

    public StreamGuards(DaemonConfig.Limits limits) {
        this.bytes = new InFlightBytes(limits.maxInFlightBytesPerCaller(),
                limits.maxInFlightBytes());
        this.idle = limits.streamIdle();
        this.total = limits.maxDecryptDuration();
        this.maxStreams = limits.maxStreams();
        this.streams = new Semaphore(limits.maxStreams());
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1,
                new DaemonThreads("smimed-stream-timer"));
        // Idle timers are rescheduled on every chunk: drop cancelled ones at once.
        executor.setRemoveOnCancelPolicy(true);
        this.timer = executor;
    }

    /** The in-flight byte budgets. */
    public InFlightBytes bytes() {
        return bytes;
    }

    /** limits.streamIdleSeconds. */
    public Duration idle() {
        return idle;
    }

    /** limits.maxDecryptSeconds. */
    public Duration total() {
        return total;
    }

    /** Runs {@code task} once after {@code delay}. */
    public ScheduledFuture<?> after(Duration delay, Runnable task) {
        return timer.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Runs {@code work} on a worker thread of its own, or refuses it without running it if
     * limits.maxStreams workers are busy; the slot is given back when the work returns.
     */
    void startWorker(Runnable work) throws LimitExceededException {
        if (!streams.tryAcquire()) {
            throw new LimitExceededException(LimitExceededException.Limit.STREAMS,
                    "too many streams in the daemon: " + maxStreams
                    + " at once (limits.maxStreams); retry later");
        }
        try {
            workers.execute(() -> {
                try {
                    work.run();
                } finally {
                    streams.release();
                }
            });
        } catch (RuntimeException e) {
            streams.release(); // rejected after close(): nothing will run it
            throw e;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        workers.shutdownNow();
    }
}
