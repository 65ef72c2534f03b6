// The resolve hook of register.mjs: `integrations-client` is the slim entry, once it is ready.
const READY = new URL('./ready.mjs', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier === 'integrations-client' && context.parentURL !== READY) return { url: READY, shortCircuit: true };
  return next(specifier, context);
}
