import type { Endpoint } from '../endpoint.js'
import { caseEndpoints } from './cases.js'
import { buildExcelEndpoint } from './excel.js'
import { getProcessDataEndpoint, saveProcessDataEndpoint } from './process-data.js'
import { promptStepsEndpoint, reportPromptsEndpoint } from './prompts.js'
import { receiveEndpoints } from './receive.js'
import { reportDataEndpoint } from './report.js'
import { usageEndpoint } from './usage.js'

/** Every seed action Andy serves (the 15 of seed/api-spec.txt). */
export function allEndpoints(): Endpoint[] {
  return [
    ...caseEndpoints(),
    usageEndpoint,
    promptStepsEndpoint,
    reportPromptsEndpoint,
    saveProcessDataEndpoint,
    getProcessDataEndpoint,
    buildExcelEndpoint,
    ...receiveEndpoints(),
    reportDataEndpoint,
  ]
}
