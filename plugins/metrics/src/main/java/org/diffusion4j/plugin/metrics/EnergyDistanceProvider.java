package org.diffusion4j.plugin.metrics;

/** Provides {@link EnergyDistance} as metric {@value #NAME}. */
public final class EnergyDistanceProvider extends MetricProvider {

    /** Component name. */
    public static final String NAME = "energy";

    public EnergyDistanceProvider() {
        super(NAME, "Energy distance 2E|X-Y| - E|X-X'| - E|Y-Y'| with U-statistics within sets"
                + " (Szekely and Rizzo 2013; the peer harness's definition)", EnergyDistance::new);
    }
}
