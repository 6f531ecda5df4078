package org.diffusion4j.plugin.dinof;

import org.diffusion4j.api.Model;
import org.diffusion4j.api.Prior;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.tensor.Tensor;

/**
 * DiNof's prior (seed 001, §3.2 and Algorithm 2): sampling starts at T_m from x(T_m) = f⁻¹(z), the
 * trained flow's inverse of the standard-normal draw z, and the sampler solves the reverse SDE
 * (seed 001, Eq. 9) only on [0, T_m]. With a sampler of N·T_m steps (the paper's ⌈N·T_m⌉) it takes
 * T_m of the baseline's time.
 */
public final class FlowPrior implements Prior {

    private final double tM;

    public FlowPrior(double tM) {
        this.tM = tM;
    }

    public double tM() {
        return tM;
    }

    @Override
    public double startTime(Schedule schedule) {
        return tM;
    }

    @Override
    public Tensor start(Model model, Tensor z) {
        DinofNetwork net = DinofNetwork.of(model.network());
        if (net == null) {
            throw new IllegalStateException(refuse(model));
        }
        return net.flow().inverse(z);
    }

    @Override
    public String refuse(Model model) {
        DinofNetwork net = DinofNetwork.of(model.network());
        if (net == null) {
            return FlowPriorProvider.NAME + ": the model's network has no flow ("
                    + model.network().getClass().getSimpleName()
                    + "); sample a checkpoint trained with network: {name: dinof} and loss: {name: dinof.joint}";
        }
        if (net.tM() != tM) {
            return FlowPriorProvider.NAME + ": the prior's t-m = " + tM
                    + " but the network's flow was trained at t-m = " + net.tM()
                    + "; set prior.t-m=" + net.tM();
        }
        Schedule s = model.schedule();
        if (!(tM > s.tMin() && tM <= s.tMax())) {
            return "t-m = " + tM + " lies outside the schedule's (" + s.tMin() + ", " + s.tMax() + "]";
        }
        return null;
    }

    @Override
    public String toString() {
        return FlowPriorProvider.NAME + " (t-m " + tM + ")";
    }
}
