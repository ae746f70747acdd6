package io.athenanative.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy of the test's own between the driver and athena-local (the driver's endpoint is this proxy's
 * port; bytes pass unchanged, so signatures stay valid), which can, from a given moment, stall the answers for
 * ever, reset connections, or cut answers short: the network faults athena-local's own fault injection cannot
 * show, since it always answers.
 *
 * <p>Faults apply to every connection, the driver's pooled ones included, counted from the moment they are
 * set: {@link #stall(int)} with 0 lets no further byte of any answer through; with N, each connection passes N
 * more bytes (headers and the start of a body) and then nothing.
 */
public final class FaultProxy implements AutoCloseable {
    private enum Mode { PASS, STALL, RESET, CUT }

    /** The mode, its byte allowance, and until when (System.nanoTime; then PASS again). */
    private static final class Fault {
        final Mode mode;
        final int answerBytes;
        final long until;
        final int epoch;

        Fault(Mode mode, int answerBytes, long until, int epoch) {
            this.mode = mode;
            this.answerBytes = answerBytes;
            this.until = until;
            this.epoch = epoch;
        }
    }

    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicInteger epochs = new AtomicInteger();
    private final AtomicInteger resets = new AtomicInteger();
    private volatile Fault fault = new Fault(Mode.PASS, 0, Long.MAX_VALUE, 0);
    private volatile boolean closed;

    private FaultProxy(ServerSocket server, InetSocketAddress upstream) {
        this.server = server;
        this.upstream = upstream;
    }

    /** A proxy on a free loopback port to {@code 127.0.0.1:upstreamPort}. */
    public static FaultProxy to(int upstreamPort) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        FaultProxy proxy = new FaultProxy(server, new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort));
        Thread acceptor = new Thread(proxy::acceptLoop, "fault-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        return proxy;
    }

    public int port() {
        return server.getLocalPort();
    }

    /** The endpoint URL the driver connects to. */
    public String endpoint() {
        return "http://127.0.0.1:" + port();
    }

    /** From now on, each connection passes {@code answerBytes} more bytes of answers, then none, for ever. */
    public void stall(int answerBytes) {
        set(Mode.STALL, answerBytes, Long.MAX_VALUE);
    }

    /** For {@code millis}, every request is answered by a TCP reset (RST) instead. */
    public void resetFor(long millis) {
        set(Mode.RESET, 0, System.nanoTime() + millis * 1_000_000L);
    }

    /** For {@code millis}, each connection passes {@code answerBytes} more bytes of answers, then is closed. */
    public void cutFor(long millis, int answerBytes) {
        set(Mode.CUT, answerBytes, System.nanoTime() + millis * 1_000_000L);
    }

    /** Connections reset so far. */
    public int resets() {
        return resets.get();
    }

    private void set(Mode mode, int answerBytes, long until) {
        fault = new Fault(mode, answerBytes, until, epochs.incrementAndGet());
    }

    private Fault current() {
        Fault f = fault;
        return System.nanoTime() - f.until < 0 ? f : new Fault(Mode.PASS, 0, Long.MAX_VALUE, f.epoch);
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                sockets.add(client);
                Thread t = new Thread(() -> serve(client), "fault-proxy-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        Socket target = new Socket();
        sockets.add(target);
        try {
            target.connect(upstream, 5000);
        } catch (IOException e) {
            closeBoth(client, target);
            return;
        }
        Thread answers = new Thread(() -> pumpAnswers(target, client), "fault-proxy-answers");
        answers.setDaemon(true);
        answers.start();
        pumpRequests(client, target);
    }

    /** Driver to athena-local; a request met while resetting is answered with a reset. */
    private void pumpRequests(Socket client, Socket target) {
        byte[] buffer = new byte[16 * 1024];
        try {
            InputStream in = client.getInputStream();
            OutputStream out = target.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (current().mode == Mode.RESET) {
                    resets.incrementAndGet();
                    client.setSoLinger(true, 0);
                    closeBoth(client, target);
                    return;
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // The other side closed or reset: close both below.
        }
        closeBoth(client, target);
    }

    /** athena-local to the driver, through the current fault. */
    private void pumpAnswers(Socket target, Socket client) {
        byte[] buffer = new byte[16 * 1024];
        int epoch = -1;
        long passed = 0;
        try {
            InputStream in = target.getInputStream();
            OutputStream out = client.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                Fault f = current();
                if (f.epoch != epoch) {
                    epoch = f.epoch;
                    passed = 0;
                }
                int allowed = n;
                if (f.mode == Mode.STALL || f.mode == Mode.CUT) {
                    allowed = (int) Math.max(0, Math.min(n, f.answerBytes - passed));
                }
                out.write(buffer, 0, allowed);
                out.flush();
                passed += allowed;
                if (allowed < n) {
                    if (f.mode == Mode.CUT) {
                        break;
                    }
                    // STALL: nothing more, for ever; the connection stays open until either side closes it.
                    while (!closed && !client.isClosed()) {
                        Thread.sleep(50);
                    }
                    return;
                }
            }
        } catch (IOException e) {
            // Closed by the other pump.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeBoth(client, target);
    }

    private void closeBoth(Socket a, Socket b) {
        for (Socket s : new Socket[] {a, b}) {
            try {
                s.close();
            } catch (IOException ignored) {
                // Already closed.
            }
            sockets.remove(s);
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // Already closed.
        }
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // Already closed.
            }
        }
        sockets.clear();
    }
}
