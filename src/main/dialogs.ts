/** Inputs of the native file dialogs, validated in main like every other input from the renderer. */
import { z } from 'zod';

const filter = z.object({ name: z.string().max(100), extensions: z.array(z.string().regex(/^(\*|[\w-]{1,20})$/)).max(50) }).strict();

export const openDialogInput = z
  .object({ title: z.string().max(200), filters: z.array(filter).max(20).optional(), multi: z.boolean().optional() })
  .strict();
export const saveDialogInput = z.object({ title: z.string().max(200), defaultPath: z.string().max(4096).optional() }).strict();

export type OpenDialogInput = z.output<typeof openDialogInput>;
export type SaveDialogInput = z.output<typeof saveDialogInput>;
