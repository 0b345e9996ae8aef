import { Command } from '../../kernel';

export type CreateService = Command<'CreateService', { serviceId: string; type: string; name?: string | null; description?: string | null; enabled?: boolean }>;
export type UpdateService = Command<'UpdateService', { serviceId: string; type?: string; name?: string | null; description?: string | null; enabled?: boolean }>;
export type DeleteService = Command<'DeleteService', { serviceId: string }>;

export type ServiceCommand = CreateService | UpdateService | DeleteService;
