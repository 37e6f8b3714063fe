package dev.resync.neo4jlauncher;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilders;
import org.neo4j.io.ByteUnit;

/**
 * Launcher starts a real Neo4j 5 Community DBMS (the neo4j-harness in-process
 * server) for integration tests: Bolt only, bound to 127.0.0.1, auth enabled
 * with the given password for the user neo4j, data under the given directory.
 *
 * <p>When the server answers it writes the Bolt URI to the ready file (atomically)
 * and then runs until it receives SIGTERM or SIGINT, when it shuts the DBMS
 * down cleanly.
 *
 * <p>Usage: Launcher DIR READY_FILE PASSWORD [BOLT_PORT] (port 0 or absent = any free port).
 */
public final class Launcher {
    private Launcher() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 3 || args.length > 4) {
            System.err.println("usage: Launcher DIR READY_FILE PASSWORD [BOLT_PORT]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]).toAbsolutePath();
        Path ready = Path.of(args[1]).toAbsolutePath();
        String password = args[2];
        int port = args.length == 4 ? Integer.parseInt(args[3]) : 0;
        if (password.length() < 8) {
            System.err.println("launcher: the password must have at least 8 characters (Neo4j 5 minimum)");
            System.exit(2);
        }
        Files.createDirectories(dir);

        long start = System.nanoTime();
        Neo4j neo4j = Neo4jBuilders.newInProcessBuilder(dir)
                .withDisabledServer() // no HTTP: tests speak Bolt
                .withConfig(BoltConnector.enabled, true)
                .withConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .withConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                .withConfig(GraphDatabaseSettings.auth_enabled, true)
                .withConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(256))
                .build();

        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("launcher: stopping Neo4j");
            neo4j.close();
            stop.countDown();
        }, "neo4j-stop"));

        // The embedded API runs with full rights, so it may set the password of
        // the built-in user; CHANGE NOT REQUIRED lets drivers use it at once.
        neo4j.databaseManagementService()
                .database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME)
                .executeTransactionally("ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED",
                        java.util.Map.of("pw", password));

        URI bolt = neo4j.boltURI();
        long ms = (System.nanoTime() - start) / 1_000_000;
        writeAtomically(ready, bolt.toString() + "\n");
        System.out.println("launcher: Neo4j " + neo4jVersion() + " ready at " + bolt + " in " + ms + " ms (data in " + dir + ")");
        stop.await();
    }

    private static String neo4jVersion() {
        Package p = Neo4j.class.getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        return v == null ? "5" : v;
    }

    private static void writeAtomically(Path target, String content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
