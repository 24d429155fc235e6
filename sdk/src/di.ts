import { inject as tsyringeInject, type InjectionToken } from 'tsyringe';

/** An injection token: tsyringe's, or one of the SDK's abstract service classes (`Logger`, …). */
export type Token<T = unknown> = InjectionToken<T> | (abstract new (...args: never[]) => T);

/** tsyringe's `InjectionToken` view of a token; abstract classes are valid tokens at run time. */
export function asInjectionToken<T>(token: Token<T>): InjectionToken<T> {
  return token as InjectionToken<T>;
}

/** Names a constructor parameter's token, e.g. `@inject(PluginOptions) options: MyOptions`. */
export function inject(token: Token): (target: object, propertyKey: string | symbol | undefined, parameterIndex: number) => void {
  return tsyringeInject(asInjectionToken(token));
}
