/**
 * Who the operator is: GET /api/v1/auth/whoami with the session's API key. When the daemon
 * requires credentials and none (or a wrong one) is given, the app shows the login screen.
 * Roles decide which controls are shown (a viewer sees no action buttons); the daemon checks
 * them again on every request.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, type ReactNode } from 'react';
import { ApiError, get } from './api/client';
import { credential } from './api/credential';
import type { Role, Whoami } from './api/types';

interface AuthValue {
  whoami: Whoami | undefined;
  /** Loading, or the daemon cannot be reached. */
  pending: boolean;
  error: ApiError | undefined;
  /** The daemon wants credentials that the session does not have (or that it refused). */
  needsLogin: boolean;
  can(role: Role): boolean;
  login(key: string): void;
  logout(): void;
}

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };
const AuthContext = createContext<AuthValue | undefined>(undefined);

export function AuthProvider({ children }: { children: ReactNode }) {
  const queries = useQueryClient();
  const whoami = useQuery({
    queryKey: ['whoami'],
    queryFn: () => get<Whoami>('/api/v1/auth/whoami'),
    retry: (count, error) => !(error instanceof ApiError && error.status === 401) && count < 2,
    staleTime: Infinity,
  });
  useEffect(
    () =>
      credential.subscribe(() => {
        void queries.invalidateQueries({ queryKey: ['whoami'] });
      }),
    [queries],
  );
  const error = whoami.error instanceof ApiError ? whoami.error : undefined;
  const value: AuthValue = {
    whoami: whoami.data,
    pending: whoami.isPending,
    error,
    needsLogin: error?.status === 401,
    can: (role) => (whoami.data ? RANK[whoami.data.role] >= RANK[role] : false),
    login: (key) => {
      credential.set(key.trim());
      queries.clear();
    },
    logout: () => {
      credential.set(undefined);
      queries.clear();
    },
  };
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside <AuthProvider>');
  return value;
}
