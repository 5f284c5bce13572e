import type { ScalingConfig } from '../../config/index.js';
import type { ScalePolicy, ScaleTargets } from './types.js';

/** A process's `scaling` config as planScale reads it. A threshold of 0 (or unset) is no signal. */
export function scalePolicy(config: ScalingConfig): ScalePolicy {
  const targets: ScaleTargets = {};
  if (config.cpu_threshold > 0) targets.cpuPercent = config.cpu_threshold;
  if (config.memory_threshold !== undefined && config.memory_threshold > 0) {
    targets.memoryBytes = config.memory_threshold;
  }
  if (config.rps_threshold > 0) targets.rpsPerInstance = config.rps_threshold;
  if (config.in_flight_threshold > 0) targets.inFlightPerInstance = config.in_flight_threshold;
  return {
    minInstances: config.min_instances,
    maxInstances: config.max_instances,
    targets,
    tolerance: config.tolerance,
    sustainMs: config.sustain,
    cooldownMs: config.cooldown,
    upStabilizationMs: config.scale_up_stabilization,
    downStabilizationMs: config.scale_down_stabilization,
    upStep: config.scale_up_step,
    downStep: config.scale_down_step,
  };
}
