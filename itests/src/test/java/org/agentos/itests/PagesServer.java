package org.agentos.itests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A web server of fixed pages on a free loopback port, for agents that fetch: HTTP/1.1, one
 * request per connection, 404 for any other path. Plain sockets, as it runs inside the container
 * under test, where the JDK's HTTP server package is not exported.
 */
final class PagesServer implements AutoCloseable {
    private final ServerSocket socket;
    private final Map<String, String> pages;

    PagesServer(Map<String, String> pages) throws IOException {
        this.pages = Map.copyOf(pages);
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::serve, "pages-server");
        t.setDaemon(true);
        t.start();
    }

    /** The URL of {@code path} on this server. */
    String url(String path) {
        return "http://127.0.0.1:" + socket.getLocalPort() + path;
    }

    private void serve() {
        while (!socket.isClosed()) {
            try (Socket c = socket.accept()) {
                BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.ISO_8859_1));
                String request = in.readLine();
                for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                    // headers: ignored
                }
                String path = request == null ? "" : request.split(" ").length > 1 ? request.split(" ")[1] : "";
                String page = pages.get(path);
                byte[] body = (page == null ? "no such page" : page).getBytes(StandardCharsets.UTF_8);
                String head = "HTTP/1.1 " + (page == null ? "404 Not Found" : "200 OK") + "\r\n"
                        + "Content-Type: text/html; charset=utf-8\r\nContent-Length: " + body.length
                        + "\r\nConnection: close\r\n\r\n";
                OutputStream out = c.getOutputStream();
                out.write(head.getBytes(StandardCharsets.ISO_8859_1));
                out.write(body);
                out.flush();
            } catch (IOException e) {
                // a client that went away, or the server closed: go on, or end with the loop
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
