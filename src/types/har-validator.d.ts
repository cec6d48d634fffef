declare module 'har-validator' {
  /** Each validator resolves with the data or rejects with a HARError whose `errors` are ajv's. */
  interface HarValidator {
    har(data: unknown): Promise<unknown>;
    log(data: unknown): Promise<unknown>;
    entry(data: unknown): Promise<unknown>;
    request(data: unknown): Promise<unknown>;
    response(data: unknown): Promise<unknown>;
  }
  const validator: HarValidator;
  export default validator;
}

declare module 'har-validator/lib/async.js' {
  /** The same validators, synchronous: the callback runs before the call returns, with a HARError or null. */
  type Callback = (error: Error | null, valid: boolean) => void;
  interface HarValidatorSync {
    entry(data: unknown, next: Callback): boolean;
  }
  const validator: HarValidatorSync;
  export default validator;
}
