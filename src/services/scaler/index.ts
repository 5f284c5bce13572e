/** The autoscaler: the pure HPA-style plan and the loop that applies it. */
export { scalePolicy } from './scale-policy.js';
export {
  EMPTY_SCALE_HISTORY,
  planScale,
  type PlanScaleInput,
  type PlanScaleResult,
} from './plan-scale.js';
export {
  DECISIONS_KEPT,
  ScalerLoop,
  type ScalerLoopDeps,
  type ScalerState,
} from './scaler-loop.js';
export type * from './types.js';
