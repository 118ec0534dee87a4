// Errors a user can act on: each names the file, line or key at fault and says how to fix it.

/** Base class: `hint` says what to do about it. */
export class GeckoError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(hint ? `${message}\n  fix: ${hint}` : message);
    this.name = 'GeckoError';
  }
}

/** A config key is unknown, missing or of the wrong type. `key` is the dotted path. */
export class ConfigError extends GeckoError {
  constructor(
    readonly key: string,
    problem: string,
    hint?: string,
  ) {
    super(`config key '${key}': ${problem}`, hint);
    this.name = 'ConfigError';
  }
}

/** A data file is missing or malformed. `line` is 1-based when known. */
export class DataError extends GeckoError {
  constructor(
    readonly file: string,
    problem: string,
    readonly line?: number,
    hint?: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${problem}`, hint);
    this.name = 'DataError';
  }
}

/** A data set is not in the data directory. */
export class MissingDatasetError extends GeckoError {
  constructor(
    readonly dataset: string,
    readonly path: string,
    dataDir: string,
  ) {
    super(
      `data set '${dataset}' is missing: ${path} not found (data directory: ${dataDir})`,
      `run \`npx gecko data fetch ${dataset}\`, or set GECKO_DATA_DIR to a folder that holds '${dataset}/'`,
    );
    this.name = 'MissingDatasetError';
  }
}
