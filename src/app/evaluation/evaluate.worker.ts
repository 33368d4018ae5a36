import { evaluatePortfolioTaskResult } from './evaluate-portfolio-task';

/** The worker thread's entry (piscina calls the default export once per task): see evaluation-runner.ts. */
export default evaluatePortfolioTaskResult;
