// createTeacher(spec): the one place a teacher name becomes a Teacher.
//   'offline'        the stand-in (no weights, no network)
//   'openai:MODEL'   an OpenAI-compatible server (OPENAI_BASE_URL, OPENAI_API_KEY)
//   'gguf:PATH'      a local GGUF model through node-llama-cpp
import { ConfigError } from '../core/errors';
import type { Logger } from '../core/log';
import type { Passage } from '../core/types';
import type { Teacher } from './types';
import { OfflineTeacher, type OfflineTeacherOptions } from './offline-teacher';
import type { TermStats } from './offline/text';

export type TeacherSpec =
  | { kind: 'offline' }
  | { kind: 'openai'; model: string }
  | { kind: 'gguf'; path: string };

const SPEC_HELP = "'offline' (a stand-in, not an LLM), 'openai:MODEL' (e.g. openai:gpt-4o-mini) or 'gguf:PATH' (e.g. gguf:../shared/models/stories260K/stories260K.gguf)";

/**
 * Parse a teacher name. Throws a ConfigError (key `llm.teacher`) that lists the accepted forms.
 * @example parseTeacherSpec('openai:gpt-4o-mini') // { kind: 'openai', model: 'gpt-4o-mini' }
 */
export function parseTeacherSpec(spec: string): TeacherSpec {
  const s = spec.trim();
  if (s === 'offline') return { kind: 'offline' };
  const m = /^(openai|gguf):(.*)$/.exec(s);
  if (!m) throw new ConfigError('llm.teacher', `unknown teacher '${spec}'`, `use ${SPEC_HELP}`);
  const rest = m[2]!.trim();
  if (rest === '') throw new ConfigError('llm.teacher', `'${spec}' names no ${m[1] === 'openai' ? 'model' : 'file'}`, `use ${SPEC_HELP}`);
  return m[1] === 'openai' ? { kind: 'openai', model: rest } : { kind: 'gguf', path: rest };
}

export interface TeacherOptions {
  /** Offline teacher: background collection for idf and p(w|C) (see OfflineTeacherOptions). */
  background?: TermStats | readonly Passage[] | readonly string[];
  offline?: Omit<OfflineTeacherOptions, 'background'>;
  log?: Logger;
}

/**
 * Build the teacher a spec names.
 * @example const teacher = createTeacher('offline', { background: corpus });
 */
export function createTeacher(spec: string, opts: TeacherOptions = {}): Teacher {
  const parsed = parseTeacherSpec(spec);
  switch (parsed.kind) {
    case 'offline':
      return new OfflineTeacher({ ...opts.offline, background: opts.background });
    default:
      throw new ConfigError('llm.teacher', `teacher '${spec}' is not available in this build yet`, "use 'offline'");
  }
}
