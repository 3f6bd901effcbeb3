package org.smimed.daemon.threads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DaemonThreadsTest {

    @Test
    void poolThreads_carryTheNameAndNeverHoldTheProcessOpen() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2, new DaemonThreads("smimed-test"));
        try {
            Thread thread = pool.submit(Thread::currentThread).get(10, TimeUnit.SECONDS);
            assertEquals("smimed-test", thread.getName());
            assertTrue(thread.isDaemon(), "a pool thread must not keep the JVM alive");
        } finally {
            pool.shutdownNow();
        }
    }
}
