// The safetensors reader and writer live in core/safetensors.ts (the encoder's checkpoint import
// reads them too, and encoder/ sits below export/); this file keeps export/'s imports working.
export * from '../core/safetensors';
