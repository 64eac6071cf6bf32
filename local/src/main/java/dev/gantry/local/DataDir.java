package dev.gantry.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The data directory: owner-only (0700), and locked while a server uses it, because two DynamoDB
 * Local instances on one database file corrupt each other's view of it.
 */
final class DataDir implements AutoCloseable {
    static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");

    private final Path root;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private DataDir(Path root, FileChannel lockChannel, FileLock lock) {
        this.root = root;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    static DataDir open(Path dir) {
        Path root = dir.toAbsolutePath().normalize();
        try {
            createOwnerOnlyDirectory(root);
            createOwnerOnlyDirectory(root.resolve("dynamodb"));
            FileChannel channel = FileChannel.open(root.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                throw new IllegalStateException("another Gantry local server is using the data directory " + root
                        + "; stop it or choose another --data-dir");
            }
            return new DataDir(root, channel, lock);
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare the data directory " + root + ": " + e.getMessage(), e);
        }
    }

    Path root() { return root; }

    Path dynamoDir() { return root.resolve("dynamodb"); }

    Path secretsFile() { return root.resolve("secrets.json"); }

    static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    /** Creates the directory owner-only, or tightens an existing one that others can read. */
    static void createOwnerOnlyDirectory(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            if (posix()) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_DIR));
            } else {
                Files.createDirectories(dir);
            }
        }
        if (!Files.isDirectory(dir)) throw new IOException(dir + " is not a directory");
        if (posix() && !Files.getPosixFilePermissions(dir).equals(OWNER_DIR)) {
            Files.setPosixFilePermissions(dir, OWNER_DIR);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        try {
            lockChannel.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }
}
