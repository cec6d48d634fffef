/** Web mode's stand-in for native file dialogs: the server reads paths on this same machine. */
import { useState } from 'react';

export interface PathRequest {
  title: string;
  action: string;
  initial?: string;
  resolve(path: string | null): void;
}

export function PathDialog({ request }: { request: PathRequest }) {
  const [path, setPath] = useState(request.initial ?? '');
  return (
    <div className="modal-backdrop" onClick={() => request.resolve(null)}>
      <form
        className="modal"
        data-testid="path-dialog"
        onClick={(e) => e.stopPropagation()}
        onSubmit={(e) => {
          e.preventDefault();
          if (path.trim()) request.resolve(path.trim());
        }}
      >
        <h3>{request.title}</h3>
        <p className="muted">A path on the machine running Cartograph.</p>
        <input autoFocus data-testid="path-input" value={path} spellCheck={false} onChange={(e) => setPath(e.target.value)} placeholder="/home/me/captures/shop.sqlite" />
        <div className="modal-actions">
          <button type="button" className="ghost" onClick={() => request.resolve(null)}>
            Cancel
          </button>
          <button type="submit" data-testid="path-ok">
            {request.action}
          </button>
        </div>
      </form>
    </div>
  );
}
