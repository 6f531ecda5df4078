package org.diffusion4j.spark;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What runs on an executor: finds the runtime's {@code ClusterTasks.run} and calls it. When the
 * executor's JVM already has the runtime in its boot layer (Spark's local mode: the executors are
 * threads of the launcher's JVM) that is the one; otherwise (an executor JVM of a cluster, whose
 * class path holds Spark and this jar only) it builds a module layer of the distribution's
 * {@code lib/} as the launcher's module path does, and the runtime then loads {@code plugins/} into
 * one layer per plugin as it always does. The entry is found once per JVM and kept: every task of
 * the JVM shares the layer (re-creating it per task would load every class again).
 */
final class ExecutorSide {

    private static final String RUNTIME = "org.diffusion4j.runtime";
    private static final Object LOCK = new Object();
    private static Method entry;
    private static String entryHome;

    private ExecutorSide() {
    }

    /** Runs task {@code task} on samples/cells [from, to); failures come out as {@link TaskFailure}. */
    static byte[] run(String home, String task, String[] args, int from, int to) {
        Method m = entry(home);
        try {
            return (byte[]) m.invoke(null, task, args, from, to);
        } catch (InvocationTargetException e) {
            throw failure(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw failure(e);
        }
    }

    private static Method entry(String home) {
        synchronized (LOCK) {
            if (entry != null && home.equals(entryHome)) {
                return entry;
            }
            try {
                Optional<Module> booted = ModuleLayer.boot().findModule(RUNTIME);
                Module runtime = booted.isPresent() ? booted.get() : layerOf(home).findModule(RUNTIME).orElseThrow();
                Class<?> c = Class.forName(runtime, "org.diffusion4j.runtime.cli.ClusterTasks");
                entry = c.getMethod("run", String.class, String[].class, int.class, int.class);
                entryHome = home;
                return entry;
            } catch (TaskFailure e) {
                throw e;
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                throw failure(e);
            }
        }
    }

    /** The distribution's lib/ as a module layer over the boot layer, as the launcher's --module-path makes it. */
    private static ModuleLayer layerOf(String home) {
        Path lib = Path.of(home, "lib");
        if (!Files.isDirectory(lib)) {
            throw TaskFailure.of(true, "executor " + host() + " has no diffusion4j distribution at " + home
                    + " (no lib/ there): install it at the same path on every node, or name the path with"
                    + " --spark-conf spark.diffusion4j.home=DIR", null);
        }
        ModuleFinder finder = ModuleFinder.of(lib);
        Set<String> roots = finder.findAll().stream().map(r -> r.descriptor().name()).collect(Collectors.toSet());
        Configuration cf = ModuleLayer.boot().configuration().resolve(finder, ModuleFinder.of(), roots);
        return ModuleLayer.boot().defineModulesWithOneLoader(cf, ClassLoader.getPlatformClassLoader());
    }

    /** A task's exception as the driver can read it, classed as the user's or an internal one. */
    static TaskFailure failure(Throwable t) {
        if (t instanceof TaskFailure f) {
            return f;
        }
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        boolean user = isA(t.getClass(), "org.diffusion4j.api.UserError")
                || isA(t.getClass(), "org.diffusion4j.api.NonFiniteOutputException")
                || t instanceof java.nio.file.InvalidPathException;
        String message = user ? String.valueOf(t.getMessage())
                : t.getClass().getName() + ": " + t.getMessage();
        return TaskFailure.of(user, "on executor " + host() + ": " + message.replace('\n', ' '), w.toString());
    }

    /** By name: the class may come from a layer other than the one this code sees. */
    private static boolean isA(Class<?> c, String name) {
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            if (k.getName().equals(name)) {
                return true;
            }
        }
        return false;
    }

    static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "(unknown host)";
        }
    }
}
