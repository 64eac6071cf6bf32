package dev.gantry.shared.config;

import java.util.function.Supplier;

/** A value built once, on first use, by whichever thread asks first (for the wiring's costlier parts). */
public final class Lazy<T> implements Supplier<T> {
    private final Supplier<T> factory;
    private volatile T value;

    public Lazy(Supplier<T> factory) {
        this.factory = factory;
    }

    /** Puts a value in place of the factory's (tests and the local server replace the platform's edges this way). */
    public synchronized void set(T replacement) {
        this.value = replacement;
    }

    @Override
    public T get() {
        T v = value;
        if (v == null) {
            synchronized (this) {
                if (value == null) value = factory.get();
                v = value;
            }
        }
        return v;
    }
}
