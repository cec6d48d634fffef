/** Severity and status badges shared by the findings list, detail and timeline. */
import type { FindingStatus, Severity } from '../../../../shared/api-detect.ts';

export const STATUS_LABEL: Record<FindingStatus, string> = { open: 'open', confirmed: 'confirmed', 'false-positive': 'false positive', suppressed: 'suppressed' };

export function SeverityBadge({ severity }: { severity: Severity }) {
  return (
    <span className={`sev-badge sev-${severity}`} data-testid="severity-badge">
      {severity}
    </span>
  );
}

export function StatusBadge({ status }: { status: FindingStatus }) {
  return (
    <span className={`status-badge status-${status}`} data-testid="status-badge">
      {STATUS_LABEL[status]}
    </span>
  );
}
