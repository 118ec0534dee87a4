// Every ablation spec by name (`gecko ablate <name>`, `gecko ablate --all`).
import type { AblationSpec } from '../spec';
import { spec as positivesNegatives } from './positives-negatives';
import { spec as rankingSignals } from './ranking-signals';
import { spec as mixture } from './mixture';
import { spec as format } from './format';
import { spec as matryoshka } from './matryoshka';
import { spec as sameTower } from './same-tower';
import { spec as stages } from './stages';

export const SPECS: Readonly<Record<string, AblationSpec>> = Object.fromEntries(
  [positivesNegatives, rankingSignals, mixture, format, matryoshka, sameTower, stages].map((s) => [s.name, s]),
);
export const SPEC_NAMES = Object.keys(SPECS);
