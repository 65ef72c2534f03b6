// The package's error class. It is JavaScript only because a class that extends Error needs JS
// syntax: every field, message and redaction is made in Rust, which constructs it.

// A brand instead of the prototype chain, so that `instanceof` and `isIntegrationError` work
// across realms and across the ESM and CJS copies of the package.
const BRAND = Symbol.for('integrations-client.IntegrationError');

export class IntegrationError extends Error {
  constructor(fields) {
    super(fields.message);
    const { message: _message, ...rest } = fields;
    Object.assign(this, rest);
  }

  static [Symbol.hasInstance](value) {
    return typeof value === 'object' && value !== null && value[BRAND] === true;
  }

  toJSON() {
    return { name: this.name, message: this.message, ...this };
  }
}

Object.defineProperty(IntegrationError.prototype, 'name', {
  value: 'IntegrationError',
  writable: true,
  configurable: true,
});
Object.defineProperty(IntegrationError.prototype, BRAND, { value: true });
