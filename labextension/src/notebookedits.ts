/**
 * A fix's target in JupyterLab: the open notebook's shared model. Every change of a fix
 * happens in one transaction of the notebook, text edits included, so one step of the
 * notebook's undo (Z in command mode; Ctrl+Z with `documentWideUndoRedo`) takes back the
 * whole fix. The user sees it before saving; the file is untouched.
 */
import type { ICodeCellModel } from '@jupyterlab/cells';
import type { NotebookPanel } from '@jupyterlab/notebook';

import type { IFixTarget } from './fixes';

export function notebookEdits(panel: NotebookPanel): IFixTarget | null {
  const shared = panel.content.model?.sharedModel;
  if (!shared) {
    return null;
  }
  // the Yjs undo manager behind `sharedModel.undo()` (the notebook's undo)
  const history = (shared as { undoManager?: { stopCapturing(): void } }).undoManager;
  return {
    cells: () => shared.cells.map(cell => ({ id: cell.id, source: cell.getSource() })),
    transact: changes => {
      // its own undo step: not merged with an edit made just before or after
      history?.stopCapturing();
      shared.transact(changes);
      history?.stopCapturing();
    },
    replace: (index, from, to, text) => shared.cells[index].updateSource(from, to, text),
    deleteCell: index => shared.deleteCell(index),
    insertCell: (index, source, tags, id) => {
      shared.insertCell(index, {
        cell_type: 'code',
        source,
        metadata: tags.length > 0 ? { tags } : {},
        ...(id !== null ? { id } : {})
      });
    },
    clearOutputs: index => {
      const cell = shared.cells[index];
      if (cell.cell_type === 'code') {
        (cell as ICodeCellModel['sharedModel']).setOutputs([]);
      }
    },
    addTag: (index, tag) => {
      const cell = shared.cells[index];
      const tags = cell.getMetadata('tags');
      const kept = Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
      if (!kept.includes(tag)) {
        cell.setMetadata('tags', [...kept, tag]);
      }
    }
  };
}
