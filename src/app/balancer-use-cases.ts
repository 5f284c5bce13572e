/**
 * The load balancers and the autoscaler as the API and dashboard see them: each balancer's
 * listener, routes with their stats, backends with state and stats; each autoscaled process's
 * policy, latest signals and recent decisions (with the reason and the inputs of each).
 */
import type { Supervisor } from '../core/index.js';
import type { BalancerView } from '../services/balancer/index.js';
import type { ScaleDecision, ScalePolicy } from '../services/scaler/index.js';
import { DaemonError } from '../shared/index.js';

export type { BalancerView };

export interface BalancerSource {
  views(): BalancerView[];
}

export interface AutoscaleSource {
  decisions(name: string): readonly ScaleDecision[];
}

export interface AutoscaleView {
  process: string;
  enabled: boolean;
  /** The policy in force (targets per instance; durations in ms). */
  policy: ScalePolicy | null;
  instances: { current: number; ready: number; desired: number };
  /** The latest decision first is the newest last; at most 50. */
  decisions: ScaleDecision[];
}

export class BalancerUseCases {
  constructor(
    private readonly supervisor: Supervisor,
    private readonly balancers: BalancerSource | undefined,
    private readonly autoscaler: AutoscaleSource | undefined,
    private readonly policyOf: (name: string) => ScalePolicy | null,
  ) {}

  list(): BalancerView[] {
    return this.balancers?.views() ?? [];
  }

  get(name: string): BalancerView {
    const found = this.list().find((b) => b.name === name);
    if (!found) {
      const known = this.list().map((b) => b.name);
      throw new DaemonError(
        'not_found',
        `no load balancer named ${JSON.stringify(name)}${known.length ? ` (configured: ${known.join(', ')})` : ' is configured'}`,
        { details: { balancer: name } },
      );
    }
    return found;
  }

  autoscale(name: string): AutoscaleView {
    const program = this.supervisor.program(name);
    const enabled = program.config.scaling.enabled;
    return {
      process: name,
      enabled,
      policy: enabled ? this.policyOf(name) : null,
      instances: {
        current: program.active().length,
        ready: program.ready().length,
        desired: program.desired,
      },
      decisions: enabled ? [...(this.autoscaler?.decisions(name) ?? [])] : [],
    };
  }
}
