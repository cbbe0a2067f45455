from django.http import HttpResponse


def _stub(request, pk=None):
    return HttpResponse("")


decision_list = decision_awaiting = decision_open = decision_detail = _stub
position_cast = decision_extend = decision_withdraw = decision_new_round = position_record = _stub
