/** Usage records name a message's assistant from the feature registry (core/features.ts). */
export { assistantOf } from '../core/features.js'
