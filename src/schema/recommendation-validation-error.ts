import type { Issue } from '../issues';
import { formatIssues } from '../issues';

/** Thrown when a recommendation is invalid; carries every issue found. */
export class RecommendationValidationError extends Error {
  constructor(readonly issues: readonly Issue[]) {
    super(`invalid recommendation:\n${formatIssues(issues)}`);
    this.name = 'RecommendationValidationError';
  }
}
